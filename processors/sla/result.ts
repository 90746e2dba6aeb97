// Turns a metric clock, advanced to the evaluation instant, into the reported record:
// projections (deadline, at-risk instants, escalations) and, when explaining, the
// timeline of what the clock did and why.
import type { MetricClock, Phase } from './metric-clock.ts';
import type { AtRiskInstant, EscalationInstant, MetricSla, SlaState, TimelineSegment } from './types.ts';

const MINUTE_MS = 60_000;

/** `agentReplies[0..replies)`: instants of agent replies, for escalations that wait for one. */
export function buildMetric(c: MetricClock, evalMs: number, agentReplies: readonly number[], replies: number): MetricSla | null {
  if (!c.started) return null;
  const breached = !Number.isNaN(c.breachedAt);
  let target = c.targetMs;
  if (target < 0) {
    // No target under the current policy: untracked, unless a breach already happened.
    if (!breached) return null;
    target = c.lastTargetMs;
  }
  const policy = c.policy;
  const cal = policy.calendar;
  const running = c.active && c.running;

  let deadline: number | null = null;
  if (running) deadline = breached ? c.breachedAt : cal.addBusinessMs(evalMs, target - c.elapsedMs);
  const state: SlaState = breached ? 'breached' : !c.active ? 'met' : running ? 'active' : 'paused';

  const atRisk: AtRiskInstant[] = [];
  if (c.targetMs >= 0) {
    for (let i = 0; i < policy.atRisk.length; i++) {
      const level = policy.atRisk[i];
      const th = c.thresholds[i];
      const reached = !Number.isNaN(c.levelAt[i]);
      let at: number | null = reached ? c.levelAt[i] : null;
      if (!reached && running) at = cal.addBusinessMs(evalMs, th - c.elapsedMs);
      atRisk.push({
        name: level.name,
        fraction: level.fraction,
        minutes_left: level.minutesLeft,
        threshold_minutes: th / MINUTE_MS,
        at,
        reached,
      });
    }
  }

  const escalations: EscalationInstant[] = [];
  for (const esc of policy.escalations) {
    if (!esc.metrics.includes(c.metric)) continue;
    // Escalation counts from the breach, or from the projected deadline while it is ahead.
    const base = breached ? c.breachedAt : deadline;
    if (base === null) {
      escalations.push({ level: esc.level, notify: esc.notify, due_at: null, state: c.active ? 'pending' : 'cancelled' });
      continue;
    }
    const due = esc.businessClock ? cal.addBusinessMs(base, esc.afterMs) : base + esc.afterMs;
    let cancelled = !c.active && c.metAt <= due;
    if (!cancelled && esc.ifNoAgentReply && breached) {
      for (let i = 0; i < replies; i++) {
        if (agentReplies[i] > base && agentReplies[i] <= due) {
          cancelled = true;
          break;
        }
      }
    }
    escalations.push({
      level: esc.level,
      notify: esc.notify,
      due_at: due,
      // Only a breach makes a level due: at the very deadline instant it is still pending.
      state: cancelled ? 'cancelled' : breached && due <= evalMs ? 'due' : 'pending',
    });
  }

  const out: MetricSla = {
    metric: c.metric,
    policy: policy.name,
    calendar: policy.calendarName,
    target_minutes: target / MINUTE_MS,
    elapsed_minutes: c.elapsedMs / MINUTE_MS,
    paused_minutes: c.pausedMs / MINUTE_MS,
    started_at: c.startedAt,
    deadline,
    state,
    clock: !c.active ? 'stopped' : running ? 'running' : 'paused',
    breached_at: breached ? c.breachedAt : null,
    met_at: c.active ? null : c.metAt,
    met_by: c.active ? null : c.metBy,
    at_risk: atRisk,
    escalations,
    cycles: c.cycles,
    breached_cycles: c.breachedCycles + (breached ? 1 : 0),
  };
  if (c.phases !== null) out.timeline = buildTimeline(c.phases);
  return out;
}

/** Phases split by the calendar into running / outside-hours / holiday time, merged. */
export function buildTimeline(phases: readonly Phase[]): TimelineSegment[] {
  const out: TimelineSegment[] = [];
  const push = (seg: Omit<TimelineSegment, 'minutes' | 'business_minutes'>): void => pushSegment(out, seg);
  for (const ph of phases) {
    const policy = ph.policy.name;
    const calendar = ph.policy.calendarName;
    if (ph.kind === 'paused') {
      push({ start: ph.start, end: ph.end, kind: 'paused', policy, calendar, reason: `paused: status ${JSON.stringify(ph.status)}` });
    } else if (ph.kind === 'stopped') {
      push({ start: ph.start, end: ph.end, kind: 'stopped', policy, calendar, reason: `stopped: status ${JSON.stringify(ph.status)} until reopened` });
    } else {
      for (const p of ph.policy.calendar.parts(ph.start, ph.end)) {
        if (p.kind === 'open') {
          push({ start: p.start, end: p.end, kind: 'running', policy, calendar, reason: `running: policy ${policy}, calendar ${calendar} open` });
        } else if (p.kind === 'holiday') {
          push({ start: p.start, end: p.end, kind: 'holiday', policy, calendar, reason: `holiday: ${p.holiday ?? 'holiday'} (calendar ${calendar})` });
        } else {
          push({ start: p.start, end: p.end, kind: 'outside_hours', policy, calendar, reason: `outside business hours of calendar ${calendar}` });
        }
      }
    }
  }
  for (const seg of out) {
    seg.minutes = (seg.end - seg.start) / MINUTE_MS;
    seg.business_minutes = seg.kind === 'running' ? seg.minutes : 0;
  }
  return out;
}

function pushSegment(out: TimelineSegment[], seg: Omit<TimelineSegment, 'minutes' | 'business_minutes'>): void {
  const prev = out[out.length - 1];
  if (prev !== undefined && prev.end === seg.start && prev.kind === seg.kind && prev.reason === seg.reason && prev.policy === seg.policy) {
    prev.end = seg.end;
  } else {
    out.push({ ...seg, minutes: 0, business_minutes: 0 });
  }
}
