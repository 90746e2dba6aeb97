// Generic webhook: the alert as JSON, signed. Receivers verify
//   X-TicketPulse-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
// with timestamp = the X-TicketPulse-Timestamp header (Unix seconds), and should
// refuse old timestamps (replays) and repeated idempotency keys (retries).
import { createHmac } from 'node:crypto';
import { alertToDto } from '../dto.ts';
import { toPlainText } from '../messages/render.ts';
import { interpretStatus } from './http.ts';
import { IDEMPOTENCY_HEADER, type BuildContext, type Notifier, type OutgoingRequest } from './types.ts';

export const SIGNATURE_HEADER = 'X-TicketPulse-Signature';
export const TIMESTAMP_HEADER = 'X-TicketPulse-Timestamp';

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The JSON body: stable across retries (the time lives in a header), so a receiver sees identical bytes. */
export function webhookBody(ctx: Pick<BuildContext, 'message' | 'rendered' | 'idempotencyKey' | 'channel'>): string {
  const m = ctx.message;
  return JSON.stringify({
    version: 1,
    type: m.type,
    notification: m.notification,
    idempotency_key: ctx.idempotencyKey,
    channel: ctx.channel.name,
    title: ctx.rendered.title,
    text: toPlainText(ctx.rendered),
    alert: m.type === 'alert' ? alertToDto(m.alert) : null,
    escalation_level: m.type === 'alert' ? m.escalation_level : null,
    digest: m.type === 'digest' ? m.digest : null,
    mentions: ctx.channel.mentions,
  });
}

export const webhookNotifier: Notifier = {
  type: 'webhook',
  build(ctx): OutgoingRequest {
    const body = webhookBody(ctx);
    const timestamp = String(Math.floor(ctx.nowMs / 1000));
    const headers: Record<string, string> = {
      ...ctx.channel.headers,
      'content-type': 'application/json; charset=utf-8',
      [IDEMPOTENCY_HEADER]: ctx.idempotencyKey,
      [TIMESTAMP_HEADER]: timestamp,
    };
    if (ctx.channel.secret) headers[SIGNATURE_HEADER] = webhookSignature(ctx.channel.secret, timestamp, body);
    return { url: ctx.channel.url, headers, body };
  },
  interpret: interpretStatus,
};
