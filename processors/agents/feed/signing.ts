// Webhook signing, the same scheme as the alerts webhook (processors/alerts/notifiers):
//   X-TicketPulse-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
//   X-TicketPulse-Timestamp: Unix seconds
//   X-TicketPulse-Idempotency-Key: one key per version (retries repeat it)
// Kept here until the alerts module exports its helper; then this file goes.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-TicketPulse-Signature';
export const TIMESTAMP_HEADER = 'X-TicketPulse-Timestamp';
export const IDEMPOTENCY_HEADER = 'X-TicketPulse-Idempotency-Key';

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

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
