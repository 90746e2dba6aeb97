// The alert lifecycle in memory: firing → acknowledged → resolved, with dedup,
// reminders, escalation and the anti-flapping cooldown. Pure state transitions: every
// change returns the new alert version and, when people should hear about it, which
// channels. The service persists what comes out; nothing here does I/O.
//
// Records are replaced, never mutated once handed out: a delivery's message keeps the
// version it announces.
import { randomUUID } from 'node:crypto';
import type { AlertsConfig } from '../../core/config/alerts.ts';
import { TicketPulseError } from '../../core/errors.ts';
import type { NormalizedInput } from './input.ts';
import { alertLinks } from './messages/links.ts';
import type { AlertRouter } from './routing.ts';
import { nextVersion } from './store-rows.ts';
import { SEVERITY_RANK, type AlertEvent, type AlertRecord, type NotificationType } from './types.ts';

export interface NotifyPlan {
  notification: Exclude<NotificationType, 'digest' | 'test'>;
  channels: string[];
  escalation_level: number;
}

export interface AlertChange {
  alert: AlertRecord;
  notify: NotifyPlan | null;
}

export interface RaiseResult {
  alert: AlertRecord;
  /** null when nothing worth a new version happened (a repeated raise while open). */
  change: AlertChange | null;
  outcome: 'fired' | 'reopened' | 'deduplicated';
}

export interface AlertBookOptions {
  config: AlertsConfig;
  router: AlertRouter;
  newId?: () => string;
}

export class AlertBook {
  /** Open alerts, and resolved ones whose cooldown still runs, by dedup key. */
  private readonly byKey = new Map<string, AlertRecord>();
  private readonly byId = new Map<string, AlertRecord>();
  private readonly config: AlertsConfig;
  private readonly router: AlertRouter;
  private readonly newId: () => string;

  constructor(opts: AlertBookOptions) {
    this.config = opts.config;
    this.router = opts.router;
    this.newId = opts.newId ?? randomUUID;
  }

  private get renotifyMs(): number {
    return this.config.renotifyMinutes * 60_000;
  }

  private get cooldownMs(): number {
    return this.config.cooldownMinutes * 60_000;
  }

  load(records: Iterable<AlertRecord>): void {
    for (const r of records) {
      const held = this.byKey.get(r.dedup_key);
      // Two open alerts for one key can only come from two writers; the newer one wins.
      if (held && held.fired_at > r.fired_at) continue;
      if (held) this.byId.delete(held.id);
      this.put(r);
    }
  }

  get(id: string): AlertRecord | undefined {
    return this.byId.get(id);
  }

  byDedupKey(key: string): AlertRecord | undefined {
    return this.byKey.get(key);
  }

  all(): IterableIterator<AlertRecord> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  raise(input: NormalizedInput, now: number): RaiseResult {
    const held = this.byKey.get(input.dedup_key);
    if (held && held.state !== 'resolved') return this.repeat(held, input, now);
    if (held && held.resolved_at !== null && now < held.resolved_at + this.cooldownMs) return this.reopen(held, input, now);
    return this.fire(input, now);
  }

  /** The condition cleared: resolve automatically. null when nothing is open for the key. */
  clear(dedupKey: string, now: number): AlertChange | null {
    const held = this.byKey.get(dedupKey);
    if (!held || held.state === 'resolved') return null;
    return this.resolveRecord(held, now, '', '', 'auto');
  }

  ack(id: string, by: string, note: string, now: number): AlertChange {
    const a = this.require(id);
    return ackRecord(a, by, note, now, (next) => this.put(next));
  }

  resolve(id: string, by: string, note: string, now: number): AlertChange {
    const a = this.require(id);
    if (a.state === 'resolved') throw conflict(a, 'resolve');
    return this.resolveRecord(a, now, by, note, 'manual');
  }

  /** Reminders and escalations due at `now`, for firing (unacknowledged) alerts only. */
  due(now: number): AlertChange[] {
    if (!this.config.enabled) return [];
    const out: AlertChange[] = [];
    for (const a of [...this.byId.values()]) {
      if (a.state !== 'firing') continue;
      const plan = this.router.plan(a);
      const reached = plan.escalations.filter((e) => e.level > a.escalation_level && a.fired_at + e.afterMs <= now);
      if (reached.length > 0) {
        const level = Math.max(...reached.map((e) => e.level));
        const channels = [...new Set(reached.flatMap((e) => e.channels))];
        out.push(this.notifyChange(a, now, 'escalated', { notification: 'escalated', channels, escalation_level: level }, { escalation_level: level }));
        continue;
      }
      if (a.next_notify_at !== null && a.next_notify_at <= now) {
        const channels = this.router.channelsUpTo(a, a.escalation_level);
        if (channels.length === 0) {
          // Nobody to remind (no route matches any more): stop asking every tick.
          this.put({ ...a, next_notify_at: null });
          continue;
        }
        out.push(this.notifyChange(a, now, 'renotified', { notification: 'reminder', channels, escalation_level: a.escalation_level }, {}));
      }
    }
    return out;
  }

  /** Forgets resolved alerts whose cooldown is over (they stay in ClickHouse). */
  prune(now: number): number {
    let n = 0;
    for (const a of [...this.byId.values()]) {
      if (a.state === 'resolved' && (a.resolved_at ?? 0) + this.cooldownMs <= now) {
        this.byId.delete(a.id);
        if (this.byKey.get(a.dedup_key)?.id === a.id) this.byKey.delete(a.dedup_key);
        n++;
      }
    }
    return n;
  }

  /** Takes a newer version written by another process (an acknowledgement through an API-only node). */
  adopt(r: AlertRecord): boolean {
    const mine = this.byId.get(r.id);
    if (!mine || r.version <= mine.version) return false;
    this.put({ ...r, next_notify_at: r.state === 'firing' ? r.next_notify_at : null });
    return true;
  }

  /** Oldest fired_at among tracked alerts (bounds the sync query). */
  oldestFiredAt(): number | null {
    let min: number | null = null;
    for (const a of this.byId.values()) if (min === null || a.fired_at < min) min = a.fired_at;
    return min;
  }

  // ---------------------------------------------------------------- transitions

  private fire(input: NormalizedInput, now: number): RaiseResult {
    const id = this.newId();
    const base: AlertRecord = {
      id,
      version: nextVersion(0, now),
      event: 'fired',
      actor: '',
      note: '',
      dedup_key: input.dedup_key,
      kind: input.kind,
      severity: input.severity,
      state: 'firing',
      subject_type: input.subject.type,
      subject_id: input.subject.id,
      summary: input.summary,
      details: input.details,
      labels: input.labels,
      links: [],
      fired_at: now,
      last_seen_at: now,
      updated_at: now,
      acknowledged_at: null,
      acknowledged_by: '',
      resolved_at: null,
      resolved_by: '',
      resolution: '',
      escalation_level: 1,
      notifications: 0,
      occurrences: 1,
      last_notified_at: null,
      last_notification: '',
      next_notify_at: null,
    };
    base.links = alertLinks({ id, kind: base.kind, subject_type: base.subject_type, subject_id: base.subject_id, labels: base.labels }, input.links, this.config.links);
    const channels = this.config.enabled ? this.router.plan(base).level1 : [];
    const alert = channels.length > 0 ? this.notified(base, now, 'fired') : base;
    this.put(alert);
    return { alert, change: { alert, notify: channels.length > 0 ? { notification: 'fired', channels, escalation_level: 1 } : null }, outcome: 'fired' };
  }

  /** The same key while open: no new message, unless it got more severe. */
  private repeat(held: AlertRecord, input: NormalizedInput, now: number): RaiseResult {
    const seen: AlertRecord = {
      ...held,
      summary: input.summary,
      details: input.details,
      last_seen_at: now,
      occurrences: held.occurrences + 1,
    };
    const before = SEVERITY_RANK[held.severity];
    const after = SEVERITY_RANK[input.severity];
    if (after === before) {
      // Not a new version: the counters ride along with the next one.
      this.put(seen);
      return { alert: seen, change: null, outcome: 'deduplicated' };
    }
    const changed = { ...seen, severity: input.severity };
    if (after > before && held.state === 'firing' && this.config.enabled) {
      const channels = this.router.channelsUpTo(changed, held.escalation_level);
      const change = this.notifyChange(changed, now, 'severity_changed', { notification: 'severity_raised', channels, escalation_level: held.escalation_level }, {});
      return { alert: change.alert, change, outcome: 'deduplicated' };
    }
    const alert = this.version(changed, now, 'severity_changed', '', '', {});
    this.put(alert);
    return { alert, change: { alert, notify: null }, outcome: 'deduplicated' };
  }

  /**
   * Fired again within the cooldown after resolving: the same alert reopens without a
   * message now. If it is still firing when the cooldown ends, a reminder goes out
   * then — flapping stays quiet, a real recurrence does not.
   */
  private reopen(held: AlertRecord, input: NormalizedInput, now: number): RaiseResult {
    const cooldownEnd = (held.resolved_at ?? now) + this.cooldownMs;
    const alert = this.version(
      { ...held, severity: input.severity, summary: input.summary, details: input.details, last_seen_at: now, occurrences: held.occurrences + 1 },
      now,
      'reopened',
      '',
      '',
      {
        state: 'firing',
        acknowledged_at: null,
        acknowledged_by: '',
        resolved_at: null,
        resolved_by: '',
        resolution: '',
        next_notify_at: this.config.enabled ? cooldownEnd : null,
      },
    );
    this.put(alert);
    return { alert, change: { alert, notify: null }, outcome: 'reopened' };
  }

  private resolveRecord(a: AlertRecord, now: number, by: string, note: string, resolution: 'auto' | 'manual'): AlertChange {
    const patch: Partial<AlertRecord> = { state: 'resolved', resolved_at: now, resolved_by: by, resolution, next_notify_at: null };
    // Only when people were last told it is firing: a reopened alert that resolves
    // again within its cooldown (flapping) stays quiet.
    const told = a.last_notification !== '' && a.last_notification !== 'resolved';
    const channels = this.config.enabled && this.config.notifyOnResolve && told ? this.router.channelsUpTo(a, a.escalation_level) : [];
    if (channels.length > 0) return this.notifyChange(a, now, 'resolved', { notification: 'resolved', channels, escalation_level: a.escalation_level }, patch, by, note);
    const alert = this.version(a, now, 'resolved', by, note, patch);
    this.put(alert);
    return { alert, notify: null };
  }

  private notifyChange(
    a: AlertRecord,
    now: number,
    event: AlertEvent,
    notify: NotifyPlan,
    patch: Partial<AlertRecord>,
    actor = '',
    note = '',
  ): AlertChange {
    const versioned = this.version(a, now, event, actor, note, patch);
    const alert = notify.channels.length > 0 ? this.notified(versioned, now, notify.notification) : versioned;
    this.put(alert);
    return { alert, notify: notify.channels.length > 0 ? notify : null };
  }

  /** Counts a notification: its sequence number goes into the idempotency keys. */
  private notified(a: AlertRecord, now: number, notification: NotifyPlan['notification']): AlertRecord {
    return {
      ...a,
      notifications: a.notifications + 1,
      last_notified_at: now,
      last_notification: notification,
      next_notify_at: a.state === 'firing' && this.renotifyMs > 0 ? now + this.renotifyMs : null,
    };
  }

  private version(a: AlertRecord, now: number, event: AlertEvent, actor: string, note: string, patch: Partial<AlertRecord>): AlertRecord {
    return { ...a, ...patch, event, actor, note, version: nextVersion(a.version, now), updated_at: now };
  }

  private put(a: AlertRecord): void {
    this.byId.set(a.id, a);
    this.byKey.set(a.dedup_key, a);
  }

  private require(id: string): AlertRecord {
    const a = this.byId.get(id);
    if (!a) throw new TicketPulseError('not_found', `no alert ${id}`, { field: 'id' });
    return a;
  }
}

/** firing → acknowledged; shared with the store-only port for alerts this process does not hold. */
export function ackRecord(a: AlertRecord, by: string, note: string, now: number, put: (next: AlertRecord) => void = () => undefined): AlertChange {
  if (a.state !== 'firing') throw conflict(a, 'acknowledge');
  const alert: AlertRecord = {
    ...a,
    state: 'acknowledged',
    acknowledged_at: now,
    acknowledged_by: by,
    next_notify_at: null,
    event: 'acknowledged',
    actor: by,
    note,
    version: nextVersion(a.version, now),
    updated_at: now,
  };
  put(alert);
  return { alert, notify: null };
}

/** firing | acknowledged → resolved, without notifications (store-only port). */
export function resolveRecordQuietly(a: AlertRecord, by: string, note: string, now: number): AlertChange {
  if (a.state === 'resolved') throw conflict(a, 'resolve');
  const alert: AlertRecord = {
    ...a,
    state: 'resolved',
    resolved_at: now,
    resolved_by: by,
    resolution: 'manual',
    next_notify_at: null,
    event: 'resolved',
    actor: by,
    note,
    version: nextVersion(a.version, now),
    updated_at: now,
  };
  return { alert, notify: null };
}

export function conflict(a: AlertRecord, action: 'acknowledge' | 'resolve'): TicketPulseError {
  return new TicketPulseError('conflict', `cannot ${action} alert ${a.id}: it is ${a.state}`, { details: { state: a.state } });
}
