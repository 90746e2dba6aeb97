// Pushes each version to the routing core's webhook, signed like the alerts webhook.
// Anything but a 2xx is a failure: the outbox retries the same version, with the
// same idempotency key and body, until the receiver acknowledges it.
import { TicketPulseError } from '../../../core/errors.ts';
import type { RoutingUpdate } from '../types.ts';
import type { FeedSink } from './outbox.ts';
import { versionKey, webhookBody, UPDATE_TYPE } from './payload.ts';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './signing.ts';

export interface WebhookSinkOptions {
  url: string;
  secret?: string;
  timeoutMs: number;
  now?: () => number;
}

export function webhookSink(opts: WebhookSinkOptions): FeedSink {
  const now = opts.now ?? Date.now;
  return {
    name: `webhook:${opts.url}`,
    async deliver(update: RoutingUpdate) {
      const body = webhookBody(update);
      const timestamp = String(Math.floor(now() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'X-TicketPulse-Event': UPDATE_TYPE,
        'X-TicketPulse-Version': String(update.version),
        [IDEMPOTENCY_HEADER]: versionKey(update.version),
        [TIMESTAMP_HEADER]: timestamp,
      };
      if (opts.secret) headers[SIGNATURE_HEADER] = webhookSignature(opts.secret, timestamp, body);
      let status: number;
      try {
        const res = await fetch(opts.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(opts.timeoutMs) });
        status = res.status;
        // Drain the body so the connection can be reused.
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        throw new TicketPulseError('timeout', `routing webhook ${opts.url} unreachable: ${(err as Error).message}`, { cause: err, retriable: true });
      }
      if (status < 200 || status >= 300) {
        throw new TicketPulseError('internal', `routing webhook ${opts.url} answered ${status} for version ${update.version}`, { retriable: true });
      }
    },
  };
}
