// Sends what the outbox holds, channel by channel, within each channel's rate limit.
// When more is due than the window allows, the fresh notifications travel together
// as one digest (stored before it is sent); retries keep their own identity so their
// idempotency keys stay stable. A 429 pauses the whole channel until Retry-After.
import type { AlertsConfig } from '../../core/config/alerts.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ResolvedChannel } from './config-validate.ts';
import { buildDigest } from './messages/digest.ts';
import { digestLinks } from './messages/links.ts';
import { renderMessage } from './messages/render.ts';
import type { AlertMetrics } from './metrics.ts';
import { NOTIFIERS, networkFailure, post, type FetchLike, type SendOutcome } from './notifiers/index.ts';
import type { Outbox, RetryPolicy } from './outbox.ts';
import { SlidingWindowLimiter } from './rate-limit.ts';
import type { RowWriter } from './row-writer.ts';
import { deliveryRow } from './store-rows.ts';
import type { DeliveryRecord, NotificationMessage } from './types.ts';

export interface DispatchReport {
  attempts: number;
  delivered: number;
  retrying: number;
  dead: number;
  digests: number;
  digested: number;
}

export interface DispatcherOptions {
  config: AlertsConfig;
  channels: Map<string, ResolvedChannel>;
  outbox: Outbox;
  writer: RowWriter;
  fetch: FetchLike;
  now: () => number;
  random: () => number;
  log?: Logger;
  metrics: AlertMetrics | null;
  onSettled?: (d: DeliveryRecord) => void;
}

const emptyReport = (): DispatchReport => ({ attempts: 0, delivered: 0, retrying: 0, dead: 0, digests: 0, digested: 0 });

export class Dispatcher {
  private readonly limiters = new Map<string, SlidingWindowLimiter>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(private readonly o: DispatcherOptions) {}

  private get policy(): RetryPolicy {
    const d = this.o.config.delivery;
    return { maxAttempts: d.maxAttempts, retryBaseMs: d.retryBaseMs, retryMaxMs: d.retryMaxMs, random: this.o.random };
  }

  private limiter(channel: string): SlidingWindowLimiter {
    let l = this.limiters.get(channel);
    if (!l) {
      const rl = this.o.channels.get(channel)?.rateLimit ?? this.o.config.rateLimit;
      l = new SlidingWindowLimiter(rl.maxMessages, rl.windowSeconds * 1000);
      this.limiters.set(channel, l);
    }
    return l;
  }

  async run(now: number): Promise<DispatchReport> {
    const report = emptyReport();
    const due = this.o.outbox.dueByChannel(now);
    await Promise.all([...due.entries()].map(([channel, list]) => this.runChannel(channel, list, now, report)));
    return report;
  }

  private async runChannel(channel: string, due: DeliveryRecord[], now: number, report: DispatchReport): Promise<void> {
    if ((this.pausedUntil.get(channel) ?? 0) > now) return;
    const limiter = this.limiter(channel);
    const slots = limiter.available(now);
    if (slots === 0) return;
    let batch: DeliveryRecord[];
    if (due.length <= slots) batch = due;
    else {
      const fresh = due.filter((d) => d.attempts === 0 && d.message.type === 'alert');
      const retries = due.filter((d) => !(d.attempts === 0 && d.message.type === 'alert'));
      if (fresh.length >= 2) {
        batch = retries.slice(0, slots - 1);
        batch.push(await this.fold(channel, fresh, now, report));
      } else batch = due.slice(0, slots);
    }
    const writes: Array<Promise<void>> = [];
    for (const d of batch) {
      const at = Math.max(now, this.o.now());
      if ((this.pausedUntil.get(channel) ?? 0) > at) break;
      const outcome = await this.attempt(d, at);
      limiter.record(at);
      report.attempts++;
      const { updated, cascade } = this.o.outbox.settle(d, outcome, at, this.policy);
      writes.push(this.o.writer.write({ deliveries: [updated, ...cascade].map((r) => deliveryRow(r, false)) }));
      this.account(updated, outcome, report);
      for (const c of cascade) this.account(c, null, report);
      if (!outcome.ok && outcome.status === 429) this.pausedUntil.set(channel, updated.next_attempt_at);
    }
    const results = await Promise.allSettled(writes);
    for (const r of results) if (r.status === 'rejected') this.o.log?.error({ err: r.reason, channel }, 'could not store delivery results; they are retried');
  }

  /** Stores the digest and its members' new state, then hands back the digest to send. */
  private async fold(channel: string, fresh: DeliveryRecord[], now: number, report: DispatchReport): Promise<DeliveryRecord> {
    const content = buildDigest(channel, fresh, this.o.config.digestMaxItems, digestLinks(this.o.config.links));
    const { digest, members } = this.o.outbox.digest(channel, fresh, content, now);
    report.digests++;
    report.digested += members.length;
    this.o.metrics?.digests.inc({ channel });
    // Digest row first: a crash between the two leaves members pending, never orphaned.
    // If ClickHouse refuses the rows even after retries, the digest is sent anyway (like
    // any notification, see AlertServiceImpl.persist): the rows stay queued in the
    // writer; a crash before they are stored re-sends the members after restart.
    await this.o.writer.write({ deliveries: [deliveryRow(digest, true), ...members.map((m) => deliveryRow(m, false))] }).catch((err: unknown) => {
      this.o.metrics?.unstored.inc({ channel });
      this.o.log?.warn(
        { err: errorMessage(err), channel, digest: digest.id, members: members.length },
        'could not store a digest; sending it anyway (stored once ClickHouse is back; a crash first re-sends its members)',
      );
    });
    this.o.log?.info({ channel, digest: digest.id, members: members.length }, 'rate limit reached: notifications sent as a digest');
    return digest;
  }

  private account(d: DeliveryRecord, outcome: SendOutcome | null, report: DispatchReport): void {
    const channel = d.channel;
    const m = this.o.metrics;
    if (outcome) m?.attempts.inc({ channel, result: outcome.ok ? 'ok' : outcome.status === 429 ? 'rate_limited' : d.state === 'dead' ? 'failed' : 'retry' });
    if (d.state === 'delivered') {
      report.delivered++;
      // A digest's members count once it is delivered, so the outcomes add up to the notifications.
      m?.notifications.inc({ channel, outcome: d.notification === 'digest' ? 'digested' : 'delivered' }, d.notification === 'digest' ? d.member_count : 1);
    } else if (d.state === 'dead') {
      report.dead++;
      if (d.notification !== 'digest') m?.notifications.inc({ channel, outcome: 'dead' });
      this.o.log?.warn({ channel, delivery: d.id, error: d.last_error }, 'notification dead');
    } else {
      report.retrying++;
    }
    this.o.onSettled?.(d);
  }

  private async attempt(d: DeliveryRecord, now: number): Promise<SendOutcome> {
    const channel = this.o.channels.get(d.channel);
    if (!channel) return { ok: false, retriable: false, status: 0, retryAfterMs: null, error: `channel ${d.channel} is no longer configured` };
    return sendMessage(channel, d.message, d.id, now, { fetch: this.o.fetch, timezone: this.o.config.timezone, maxRetryAfterMs: this.o.config.delivery.maxRetryAfterMs });
  }
}

export interface SendMessageOptions {
  fetch: FetchLike;
  timezone: string;
  maxRetryAfterMs: number;
}

/** Renders, builds and posts one message to one channel; never throws. */
export async function sendMessage(channel: ResolvedChannel, message: NotificationMessage, idempotencyKey: string, nowMs: number, opts: SendMessageOptions): Promise<SendOutcome> {
  const notifier = NOTIFIERS[channel.type];
  const rendered = renderMessage(message, { language: channel.language, timezone: opts.timezone });
  const req = notifier.build({ channel, idempotencyKey, nowMs, message, rendered });
  try {
    const res = await post(req, channel.timeoutMs, opts.fetch);
    return notifier.interpret(res, nowMs, opts.maxRetryAfterMs);
  } catch (err) {
    return networkFailure(err);
  }
}
