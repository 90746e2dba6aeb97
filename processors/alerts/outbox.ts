// The outbox in memory: every notification not yet delivered or dead. A delivery is
// added once the service has tried to store its pending row: normally it is stored
// first, so whatever is here is also in ClickHouse and comes back at start-up. If
// ClickHouse refuses the row even after retries, the delivery is added (and sent)
// anyway, under the same idempotency key, while its row waits in the RowWriter until
// ClickHouse is back; a crash before then forgets it. A ClickHouse outage must not
// silence notifications — see docs/alerts.md, "Delivery guarantees".
import { randomUUID } from 'node:crypto';
import type { AlertChannelType } from '../../core/config/alerts.ts';
import { backoffDelayMs } from './backoff.ts';
import type { NotifyPlan } from './lifecycle.ts';
import type { SendOutcome } from './notifiers/types.ts';
import { nextVersion } from './store-rows.ts';
import type { AlertRecord, DeliveryRecord, DigestContent } from './types.ts';

export interface RetryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  random: () => number;
}

export interface Settled {
  updated: DeliveryRecord;
  /** Members of a digest that died: they die with it (each says why). */
  cascade: DeliveryRecord[];
}

export class Outbox {
  private readonly pending = new Map<string, DeliveryRecord>();
  private readonly digestMembers = new Map<string, DeliveryRecord[]>();

  constructor(private readonly channelType: (channel: string) => AlertChannelType | null) {}

  /** One delivery per channel for a notification; the id is its idempotency key. */
  create(alert: AlertRecord, plan: NotifyPlan, now: number): DeliveryRecord[] {
    const out: DeliveryRecord[] = [];
    for (const channel of plan.channels) {
      const type = this.channelType(channel);
      if (!type) continue;
      out.push({
        id: `${alert.id}:${channel}:${alert.notifications}`,
        version: nextVersion(0, now),
        alert_id: alert.id,
        alert_version: alert.version,
        channel,
        channel_type: type,
        notification: plan.notification,
        escalation_level: plan.escalation_level,
        state: 'pending',
        attempts: 0,
        last_status: 0,
        last_error: '',
        created_at: now,
        updated_at: now,
        next_attempt_at: now,
        delivered_at: null,
        digest_id: '',
        member_count: 0,
        message: { type: 'alert', notification: plan.notification, alert, escalation_level: plan.escalation_level },
      });
    }
    return out;
  }

  add(deliveries: Iterable<DeliveryRecord>): void {
    for (const d of deliveries) if (d.state === 'pending') this.pending.set(d.id, d);
  }

  /** Start-up: pending deliveries, and the members of digests still pending. */
  load(pending: Iterable<DeliveryRecord>, members: Iterable<DeliveryRecord>): void {
    this.add(pending);
    for (const m of members) {
      const list = this.digestMembers.get(m.digest_id) ?? [];
      list.push(m);
      this.digestMembers.set(m.digest_id, list);
    }
  }

  get size(): number {
    return this.pending.size;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  countByChannel(): Map<string, number> {
    const out = new Map<string, number>();
    for (const d of this.pending.values()) out.set(d.channel, (out.get(d.channel) ?? 0) + 1);
    return out;
  }

  /**
   * What each channel may send now, oldest first. A later notification of an alert
   * waits for an earlier one still pending on the same channel, so "resolved" never
   * overtakes the "fired" it answers while that one is backing off.
   */
  dueByChannel(now: number): Map<string, DeliveryRecord[]> {
    const sorted = [...this.pending.values()].sort(
      (a, b) => a.created_at - b.created_at || a.alert_version - b.alert_version || a.id.localeCompare(b.id),
    );
    const waiting = new Set<string>();
    const out = new Map<string, DeliveryRecord[]>();
    for (const d of sorted) {
      const key = d.alert_id ? `${d.alert_id}\u0000${d.channel}` : null;
      if (key && waiting.has(key)) continue;
      if (key) waiting.add(key);
      if (d.next_attempt_at > now) continue;
      const list = out.get(d.channel) ?? [];
      list.push(d);
      out.set(d.channel, list);
    }
    return out;
  }

  /** Folds notifications into one digest delivery; the caller stores both before sending. */
  digest(channel: string, members: DeliveryRecord[], content: DigestContent, now: number): { digest: DeliveryRecord; members: DeliveryRecord[] } {
    const id = `digest:${channel}:${randomUUID()}`;
    const digest: DeliveryRecord = {
      id,
      version: nextVersion(0, now),
      alert_id: '',
      alert_version: 0,
      channel,
      channel_type: members[0]?.channel_type ?? this.channelType(channel) ?? 'webhook',
      notification: 'digest',
      escalation_level: 0,
      state: 'pending',
      attempts: 0,
      last_status: 0,
      last_error: '',
      created_at: now,
      updated_at: now,
      next_attempt_at: now,
      delivered_at: null,
      digest_id: '',
      member_count: members.length,
      message: { type: 'digest', notification: 'digest', digest: content },
    };
    const folded = members.map((m) => ({ ...m, state: 'digested' as const, digest_id: id, version: nextVersion(m.version, now), updated_at: now }));
    for (const m of members) this.pending.delete(m.id);
    this.pending.set(id, digest);
    this.digestMembers.set(id, folded);
    return { digest, members: folded };
  }

  /** Applies one attempt's outcome: delivered, retry later (backoff or Retry-After), or dead. */
  settle(d: DeliveryRecord, outcome: SendOutcome, now: number, policy: RetryPolicy): Settled {
    const attempts = d.attempts + 1;
    const base = { ...d, attempts, version: nextVersion(d.version, now), updated_at: now, last_status: outcome.status };
    let updated: DeliveryRecord;
    if (outcome.ok) updated = { ...base, state: 'delivered', delivered_at: now, last_error: '' };
    else if (!outcome.retriable || attempts >= policy.maxAttempts) {
      const why = outcome.retriable ? `gave up after ${attempts} attempts: ${outcome.error}` : outcome.error;
      updated = { ...base, state: 'dead', last_error: why };
    } else {
      const delay = outcome.retryAfterMs ?? backoffDelayMs(attempts, { baseMs: policy.retryBaseMs, maxMs: policy.retryMaxMs, random: policy.random });
      updated = { ...base, state: 'pending', last_error: outcome.error, next_attempt_at: now + delay };
    }
    const cascade: DeliveryRecord[] = [];
    if (updated.state === 'pending') this.pending.set(d.id, updated);
    else {
      this.pending.delete(d.id);
      const members = this.digestMembers.get(d.id);
      this.digestMembers.delete(d.id);
      if (updated.state === 'dead' && members) {
        for (const m of members) {
          cascade.push({ ...m, state: 'dead', version: nextVersion(m.version, now), updated_at: now, last_error: `carried by digest ${d.id}, which failed: ${updated.last_error}` });
        }
      }
    }
    return { updated, cascade };
  }
}
