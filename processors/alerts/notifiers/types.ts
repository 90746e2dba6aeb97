// One interface for every channel type: build the HTTP request for a message (pure,
// so payloads and signatures are testable without a network), and read the
// receiver's answer as delivered / retry later / give up.
import type { AlertChannelType } from '../../../core/config/alerts.ts';
import type { ResolvedChannel } from '../config-validate.ts';
import type { RenderedMessage } from '../messages/render.ts';
import type { NotificationMessage } from '../types.ts';

/** Every request carries it; receivers that see a key twice can drop the repeat. */
export const IDEMPOTENCY_HEADER = 'X-TicketPulse-Idempotency-Key';

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface BuildContext {
  channel: ResolvedChannel;
  idempotencyKey: string;
  /** Signing time (DingTalk and webhook timestamps). */
  nowMs: number;
  message: NotificationMessage;
  rendered: RenderedMessage;
}

export interface HttpResponse {
  status: number;
  header(name: string): string | null;
  body: string;
}

export type SendOutcome =
  | { ok: true; status: number }
  | { ok: false; retriable: boolean; status: number; retryAfterMs: number | null; error: string };

export interface Notifier {
  readonly type: AlertChannelType;
  build(ctx: BuildContext): OutgoingRequest;
  interpret(res: HttpResponse, nowMs: number, maxRetryAfterMs: number): SendOutcome;
}
