// One metric's clock: accrues business time while running, wall time while paused,
// and records the instant each threshold (at-risk levels, the target) was crossed.
// Time is only accrued when something about the clock changes, so a ticket whose
// status and policy stay put costs one calendar walk per metric, not one per event.
import type { SlaMetric } from '../../core/config/sla.ts';
import type { CompiledPolicy } from './policy.ts';

/** The schema's limit on at-risk levels per policy. */
const MAX_AT_RISK_LEVELS = 10;
const NO_THRESHOLDS: readonly number[] = [];

/** A stretch of the clock's history, kept only when explaining. */
export interface Phase {
  start: number;
  end: number;
  kind: 'running' | 'paused' | 'stopped';
  policy: CompiledPolicy;
  /** The pausing status, or the status that stopped the clock. */
  status: string | null;
}

export class MetricClock {
  readonly metric: SlaMetric;
  readonly index: number;
  /** Started at least once (next_reply: a cycle exists). */
  started = false;
  /** Started and not stopped: running or paused. */
  active = false;
  running = false;
  /** Instant up to which elapsed/paused time has been accrued. */
  since = 0;
  startedAt = 0;
  policy: CompiledPolicy;
  targetMs = -1;
  /** The last target a policy set, kept for a breach reported after a target is removed. */
  lastTargetMs = -1;
  elapsedMs = 0;
  pausedMs = 0;
  breachedAt = NaN;
  metAt = NaN;
  metBy: string | null = null;
  pausedBy: string | null = null;
  stoppedBy: string | null = null;
  /** Elapsed ms at which each at-risk level of the current policy is reached. */
  thresholds: readonly number[] = NO_THRESHOLDS;
  /** When each level was reached (NaN: not yet), for the first thresholds.length entries. */
  readonly levelAt: number[] = new Array<number>(MAX_AT_RISK_LEVELS).fill(NaN);
  cycles = 0;
  breachedCycles = 0;
  phases: Phase[] | null;

  constructor(metric: SlaMetric, index: number, policy: CompiledPolicy, explain: boolean) {
    this.metric = metric;
    this.index = index;
    this.policy = policy;
    this.phases = explain ? [] : null;
  }

  /** Back to a never-started clock, so one instance can serve ticket after ticket. */
  reset(policy: CompiledPolicy, explain: boolean): void {
    this.started = false;
    this.active = false;
    this.running = false;
    this.since = 0;
    this.startedAt = 0;
    this.policy = policy;
    this.targetMs = -1;
    this.lastTargetMs = -1;
    this.elapsedMs = 0;
    this.pausedMs = 0;
    this.breachedAt = NaN;
    this.metAt = NaN;
    this.metBy = null;
    this.pausedBy = null;
    this.stoppedBy = null;
    this.thresholds = NO_THRESHOLDS;
    this.cycles = 0;
    this.breachedCycles = 0;
    this.phases = explain ? [] : null;
  }

  /** Starts the clock (next_reply: a new cycle, forgetting the previous one). */
  start(t: number, policy: CompiledPolicy, status: string): void {
    if (this.started && !Number.isNaN(this.breachedAt)) this.breachedCycles++;
    this.started = true;
    this.active = true;
    this.since = t;
    this.startedAt = t;
    this.elapsedMs = 0;
    this.pausedMs = 0;
    this.breachedAt = NaN;
    this.metAt = NaN;
    this.metBy = null;
    this.cycles++;
    if (this.phases !== null) this.phases = [];
    this.applyPolicy(t, policy);
    this.setRunning(status);
  }

  /** Stops the clock: the metric is met at t (late if the deadline had passed). */
  stop(t: number, by: string, status: string): void {
    this.advance(t);
    this.active = false;
    this.running = false;
    this.pausedBy = null;
    this.stoppedBy = status;
    this.metAt = t;
    this.metBy = by;
  }

  /** Restarts a stopped clock from its accumulated elapsed time (resolution after a reopen). */
  resume(t: number, policy: CompiledPolicy, status: string): void {
    if (this.phases !== null && t > this.metAt) {
      this.phases.push({ start: this.metAt, end: t, kind: 'stopped', policy: this.policy, status: this.stoppedBy });
    }
    this.active = true;
    this.since = t;
    this.metAt = NaN;
    this.metBy = null;
    this.cycles++;
    // A policy change while the ticket was solved takes effect at the reopen.
    if (policy !== this.policy) this.applyPolicy(t, policy);
    this.setRunning(status);
  }

  /** Re-targets an open clock to another policy from t on (elapsed time is kept). */
  retarget(t: number, policy: CompiledPolicy, status: string): void {
    this.advance(t);
    this.applyPolicy(t, policy);
    this.setRunning(status);
  }

  /** The ticket's status changed at t: pause or resume. */
  status(t: number, status: string): void {
    if (!this.active) return;
    const pause = this.policy.pauseStatuses[this.index].includes(status);
    if (pause ? this.pausedBy === status : this.running) return;
    this.advance(t);
    this.setRunning(status);
  }

  /** Accrues time up to t, recording threshold crossings on the way. */
  advance(t: number): void {
    const since = this.since;
    if (!(t > since) || !this.active) {
      if (t > since) this.since = t;
      return;
    }
    if (this.running) {
      const cal = this.policy.calendar;
      const biz = cal.businessMs(since, t);
      const elapsed = this.elapsedMs;
      if (this.targetMs >= 0) {
        const thresholds = this.thresholds;
        for (let i = 0; i < thresholds.length; i++) {
          if (Number.isNaN(this.levelAt[i]) && elapsed + biz >= thresholds[i]) {
            const need = thresholds[i] - elapsed;
            this.levelAt[i] = need <= 0 ? since : cal.addBusinessMs(since, need);
          }
        }
        if (Number.isNaN(this.breachedAt)) {
          const remaining = this.targetMs - elapsed;
          if (biz >= remaining) {
            // The deadline is the earliest instant the budget is used up; the metric is
            // breached only if time went on past it (met exactly at the deadline is met).
            const deadline = remaining <= 0 ? since : cal.addBusinessMs(since, remaining);
            if (t > deadline) this.breachedAt = deadline;
          }
        }
      }
      this.elapsedMs = elapsed + biz;
      if (this.phases !== null) this.phases.push({ start: since, end: t, kind: 'running', policy: this.policy, status: null });
    } else {
      this.pausedMs += t - since;
      if (this.phases !== null) this.phases.push({ start: since, end: t, kind: 'paused', policy: this.policy, status: this.pausedBy });
    }
    this.since = t;
  }

  private setRunning(status: string): void {
    const pause = this.policy.pauseStatuses[this.index].includes(status);
    this.running = this.active && !pause;
    this.pausedBy = pause ? status : null;
  }

  private applyPolicy(t: number, policy: CompiledPolicy): void {
    this.policy = policy;
    const target = policy.targetMs[this.index];
    this.targetMs = target;
    if (target >= 0) this.lastTargetMs = target;
    const thresholds = policy.thresholdsMs[this.index];
    this.thresholds = thresholds;
    // Levels are re-evaluated under the new target; one already passed counts as
    // reached at the change (the same rule as a breach below).
    for (let i = 0; i < thresholds.length; i++) {
      this.levelAt[i] = target >= 0 && this.elapsedMs >= thresholds[i] ? t : NaN;
    }
    // A new target already used up is breached at the change itself, never in the past.
    if (target >= 0 && Number.isNaN(this.breachedAt) && this.elapsedMs > target) this.breachedAt = t;
  }
}
