// Webhook signing for the routing feed: the alerts webhook's scheme, one
// implementation (processors/alerts/notifiers):
//   X-TicketPulse-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
//   X-TicketPulse-Timestamp: Unix seconds
//   X-TicketPulse-Idempotency-Key: one key per version (retries repeat it)
import { timingSafeEqual } from 'node:crypto';
import { webhookSignature } from '../../alerts/notifiers/index.ts';

export { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from '../../alerts/notifiers/index.ts';

/** What a receiver does: recompute, compare in constant time, refuse stale timestamps (replays). */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  opts: { nowMs?: number; toleranceSeconds?: number } = {},
): boolean {
  const ts = Number(timestamp);
  const now = (opts.nowMs ?? Date.now()) / 1000;
  if (!Number.isFinite(ts) || Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
