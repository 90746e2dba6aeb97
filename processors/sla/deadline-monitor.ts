// The deadline monitor: an in-memory queue of the instants at which open SLA metrics
// reach an at-risk level, breach, or come due for an escalation. A single timer is
// armed for the earliest one, so an alert goes out when the instant passes — not when
// the next event about the ticket happens to arrive.
//
// State comes from ticket_sla: rebuilt from its open rows at start-up, then kept up
// to date by the rows the processor writes (apply) and, for rows written by other
// processes, by sync(). After firing, the ticket is recomputed (record), which
// stores the breach (or the reached level) as a new ticket_sla version.
//
// Which instants alert (docs/sla.md, "The deadline monitor"):
//  - an instant still ahead when its row was computed fires when it passes, even if it
//    is already past at start-up (the process was down: late beats never);
//  - a row that arrives already showing a passed instant (a breach found by the
//    processor, e.g. at a re-targeting) fires at once if the monitor tracked the
//    metric before, or if the instant is recent (lateAlertMs); at start-up such rows
//    count as already alerted;
//  - an at-risk level whose metric has breached by then is not announced: the breach is;
//  - when a metric is met, untracked or starts a new cycle, the alerts raised for it are cleared.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { atRiskAlert, atRiskKey, breachAlert, breachKey, escalationAlert, escalationKey } from './alert-inputs.ts';
import type { AlertInput, SlaAlertSink } from './alert-sink.ts';
import { InstantHeap, type Scheduled } from './instant-heap.ts';
import { SlaRowStore } from './row-store.ts';
import { isOpenRow, type SlaRow } from './rows.ts';

export interface DeadlineMonitorOptions {
  /** Where the state is rebuilt from at start-up and followed by sync(); none: apply() only. */
  ch?: ClickHouse;
  alerts: SlaAlertSink;
  /** Records the state after an alert: recomputes the tickets (SlaProcessor.recomputeTickets). */
  record?: (ticketIds: string[]) => Promise<unknown>;
  now?: () => number;
  log?: Logger;
  /** A breach first seen after the fact alerts only if it is at most this old (default 60 min). */
  lateAlertMs?: number;
  /** Tickets whose alerts fired within this time are recorded together (default 100 ms). */
  recordDelayMs?: number;
  /** Called for every alert raised (metrics, benchmarks). */
  onFire?: (fired: FiredAlert) => void;
}

export type SlaAlertKind = 'sla_at_risk' | 'sla_breached' | 'sla_escalated';

export interface FiredAlert {
  kind: SlaAlertKind;
  ticket_id: string;
  metric: string;
  dedup_key: string;
  /** The instant that came due (epoch ms). */
  due_at: number;
  /** When raise() was called. */
  fired_at: number;
}

export interface MonitorStatus {
  tracked: number;
  scheduled: number;
  nextAt: number | null;
  fired: number;
}

const RISK = 0;
const BREACH = 1;
const ESCALATION = 2;

interface Entry extends Scheduled {
  key: string;
  gen: number;
  kind: typeof RISK | typeof BREACH | typeof ESCALATION;
  /** Index into the row's at_risk or escalations. */
  index: number;
}

interface Tracked {
  row: SlaRow;
  gen: number;
  /**
   * 'breach', 'risk:<level>', 'esc:<level>' already announced (or deliberately skipped)
   * for this promise, with the instant that came due.
   */
  fired: Map<string, number>;
}

// Node timers take at most ~24.8 days; the timer is simply re-armed when it wakes early.
const MAX_TIMER_MS = 3_600_000;
// Rows written by other processes may carry versions slightly older than ones seen here.
const SYNC_OVERLAP_US = 120_000_000;

type Mode = 'startup' | 'live';

export class DeadlineMonitor {
  private readonly heap = new InstantHeap<Entry>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly store: SlaRowStore | null;
  private readonly now: () => number;
  private readonly lateAlertMs: number;
  private readonly recordDelayMs: number;
  private gen = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private toRecord = new Set<string>();
  private recordTimer: NodeJS.Timeout | null = null;
  private recording: Promise<void> = Promise.resolve();
  private syncVersion = 0;
  private firedCount = 0;
  private stopped = false;

  constructor(private readonly opts: DeadlineMonitorOptions) {
    this.store = opts.ch ? new SlaRowStore(opts.ch) : null;
    this.now = opts.now ?? Date.now;
    this.lateAlertMs = opts.lateAlertMs ?? 3_600_000;
    this.recordDelayMs = opts.recordDelayMs ?? 100;
  }

  /** Rebuilds the queue from the open rows of ticket_sla and arms the timer. */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.store) {
      const rows = await this.store.openRows();
      for (const row of rows) {
        this.track(row, 'startup');
        if (row.version > this.syncVersion) this.syncVersion = row.version;
      }
    }
    this.arm();
  }

  /** New row versions (from the processor in this process). */
  apply(rows: readonly SlaRow[]): void {
    if (this.stopped) return;
    for (const row of rows) {
      this.track(row, 'live');
      // Rows seen here need not be read again by sync().
      if (row.version > this.syncVersion) this.syncVersion = row.version;
    }
    this.compact();
    this.arm();
  }

  /** Follows rows written by other processes (a recompute in server mode, a separate processor). */
  async sync(): Promise<number> {
    if (!this.store || this.stopped) return 0;
    const rows = await this.store.rowsAfter(this.syncVersion - SYNC_OVERLAP_US);
    this.apply(rows);
    return rows.length;
  }

  /** Stops the timer and waits for the recording of alerts already fired. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    if (this.recordTimer) {
      clearTimeout(this.recordTimer);
      this.recordTimer = null;
      this.flushRecord();
    }
    await this.recording;
  }

  status(): MonitorStatus {
    const head = this.validHead();
    return { tracked: this.tracked.size, scheduled: this.heap.size, nextAt: head?.at ?? null, fired: this.firedCount };
  }

  private track(row: SlaRow, mode: Mode): void {
    const key = `${row.ticket_id}\u0000${row.metric}`;
    let t = this.tracked.get(key);
    if (t && row.version <= t.row.version) return;
    if (!isOpenRow(row)) {
      // Met, untracked, or stopped after a breach: the condition is gone.
      if (t) {
        this.clearFired(t);
        this.tracked.delete(key);
      }
      return;
    }
    const now = this.now();
    const known = t !== undefined;
    if (t && row.metric === 'next_reply' && row.cycles !== t.row.cycles) {
      // A new customer message: a new promise. The previous cycle was answered.
      this.clearFired(t);
      t.fired = new Map();
    }
    if (t) {
      t.row = row;
      this.withdraw(t);
    } else {
      t = { row, gen: 0, fired: new Map() };
      this.tracked.set(key, t);
    }
    t.gen = ++this.gen;
    const stale = (at: number | null): boolean => mode === 'startup' || (!known && (at === null || at < now - this.lateAlertMs));

    // Instants the row already shows as passed.
    const breached = row.state === 'breached';
    if (breached && !t.fired.has('breach')) {
      if (stale(row.breached_at)) t.fired.set('breach', row.breached_at ?? now);
      else this.fire(t, 'breach', breachAlert(row, row.breached_at ?? now), row.breached_at ?? now, now, false);
    }
    row.at_risk.forEach((level) => {
      const tag = `risk:${level.name}`;
      if (!level.reached || t.fired.has(tag)) return;
      // Superseded by the breach, or too old to announce.
      if (breached || stale(level.at)) t.fired.set(tag, level.at ?? now);
      else this.fire(t, tag, atRiskAlert(row, level), level.at ?? now, now, false);
    });
    row.escalations.forEach((esc) => {
      const tag = `esc:${esc.level}`;
      if (esc.state !== 'due' || t.fired.has(tag)) return;
      if (stale(esc.due_at)) t.fired.set(tag, esc.due_at ?? now);
      else this.fire(t, tag, escalationAlert(row, esc, row.breached_at), esc.due_at ?? now, now, false);
    });

    // Instants still ahead when the row was computed.
    if (row.clock === 'running') {
      row.at_risk.forEach((level, index) => {
        if (!level.reached && level.at !== null && !t.fired.has(`risk:${level.name}`)) this.heap.push({ at: level.at, key, gen: t.gen, kind: RISK, index });
      });
      if (row.state === 'active' && row.deadline !== null && !t.fired.has('breach')) {
        this.heap.push({ at: row.deadline, key, gen: t.gen, kind: BREACH, index: 0 });
      }
    }
    row.escalations.forEach((esc, index) => {
      if (esc.state === 'pending' && esc.due_at !== null && !t.fired.has(`esc:${esc.level}`)) {
        this.heap.push({ at: esc.due_at, key, gen: t.gen, kind: ESCALATION, index });
      }
    });
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    if (this.stopped) return;
    const now = this.now();
    const due: Entry[] = [];
    for (;;) {
      const head = this.heap.peek();
      if (!head || head.at > now) break;
      this.heap.pop();
      const t = this.tracked.get(head.key);
      if (t && t.gen === head.gen) due.push(head);
    }
    // At one instant: warnings, then the breach, then the escalations that follow from it.
    due.sort((a, b) => a.at - b.at || a.kind - b.kind || a.index - b.index);
    for (const e of due) {
      const t = this.tracked.get(e.key);
      if (t && t.gen === e.gen) this.due(e, t, now);
    }
    this.arm();
  }

  private due(e: Entry, t: Tracked, now: number): void {
    const row = t.row;
    if (e.kind === BREACH) {
      if (!t.fired.has('breach')) this.fire(t, 'breach', breachAlert(row, e.at), e.at, now, true);
      return;
    }
    if (e.kind === RISK) {
      const level = row.at_risk[e.index];
      const tag = `risk:${level.name}`;
      if (t.fired.has(tag)) return;
      // The deadline passed too (a late start-up): announce the breach, not the warning.
      if (row.deadline !== null && row.deadline <= now) t.fired.set(tag, e.at);
      else this.fire(t, tag, atRiskAlert(row, level), e.at, now, true);
      return;
    }
    const esc = row.escalations[e.index];
    const tag = `esc:${esc.level}`;
    if (!t.fired.has(tag)) this.fire(t, tag, escalationAlert(row, esc, row.breached_at ?? row.deadline), e.at, now, true);
  }

  private fire(t: Tracked, tag: string, input: AlertInput, dueAt: number, now: number, record: boolean): void {
    t.fired.set(tag, dueAt);
    this.firedCount++;
    this.opts.alerts.raise(input).catch((err: unknown) => {
      this.opts.log?.error({ err, dedup_key: input.dedup_key }, `raising an SLA alert failed: ${errorMessage(err)}`);
    });
    this.opts.onFire?.({
      kind: input.kind as SlaAlertKind,
      ticket_id: t.row.ticket_id,
      metric: t.row.metric,
      dedup_key: input.dedup_key,
      due_at: dueAt,
      fired_at: now,
    });
    if (record && this.opts.record) this.queueRecord(t.row.ticket_id);
  }

  private clearFired(t: Tracked): void {
    for (const tag of t.fired.keys()) this.clearTag(t.row, tag);
  }

  private clearTag(row: SlaRow, tag: string): void {
    const key = tag === 'breach' ? breachKey(row) : tag.startsWith('risk:') ? atRiskKey(row, tag.slice(5)) : escalationKey(row, Number(tag.slice(4)));
    this.opts.alerts.clear(key).catch((err: unknown) => {
      this.opts.log?.warn({ err, dedup_key: key }, `clearing an SLA alert failed: ${errorMessage(err)}`);
    });
  }

  /**
   * A newer row computed after an announced instant no longer shows it passed (the
   * rules changed in a recompute, a pause reached the engine late, a re-targeting to a
   * looser policy reset a level): clear that alert and watch the new instant instead.
   * A row computed before the instant says nothing about it and changes nothing.
   */
  private withdraw(t: Tracked): void {
    const row = t.row;
    for (const [tag, dueAt] of t.fired) {
      if (row.evaluated_at < dueAt) continue;
      let holds: boolean;
      if (tag === 'breach') holds = row.state === 'breached';
      else if (tag.startsWith('risk:')) holds = row.state === 'breached' || row.at_risk.some((l) => l.name === tag.slice(5) && l.reached);
      else holds = row.escalations.some((e) => e.level === Number(tag.slice(4)) && e.state === 'due');
      if (holds) continue;
      t.fired.delete(tag);
      this.clearTag(row, tag);
    }
  }

  private queueRecord(ticketId: string): void {
    this.toRecord.add(ticketId);
    if (this.recordTimer) return;
    this.recordTimer = setTimeout(() => {
      this.recordTimer = null;
      this.flushRecord();
    }, this.recordDelayMs);
    this.recordTimer.unref();
  }

  private flushRecord(): void {
    const ids = [...this.toRecord];
    this.toRecord = new Set();
    if (ids.length === 0 || !this.opts.record) return;
    const record = this.opts.record;
    this.recording = this.recording
      .then(() => record(ids))
      .then(
        () => undefined,
        (err: unknown) => this.opts.log?.error({ err, tickets: ids.length }, `recording SLA state after alerts failed: ${errorMessage(err)}`),
      );
  }

  private validHead(): Entry | undefined {
    for (;;) {
      const head = this.heap.peek();
      if (!head) return undefined;
      const t = this.tracked.get(head.key);
      if (t && t.gen === head.gen) return head;
      this.heap.pop();
    }
  }

  private arm(): void {
    if (this.stopped) return;
    const head = this.validHead();
    if (!head) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= head.at) return;
    if (this.timer) clearTimeout(this.timer);
    const now = this.now();
    const delay = Math.min(Math.max(0, head.at - now), MAX_TIMER_MS);
    this.timerAt = now + delay;
    this.timer = setTimeout(() => this.onTimer(), delay);
    this.timer.unref();
  }

  /** Drops superseded entries once they outnumber the live ones by far. */
  private compact(): void {
    if (this.heap.size < 50_000 || this.heap.size < 8 * this.tracked.size) return;
    this.heap.filter((e) => this.tracked.get(e.key)?.gen === e.gen);
  }
}
