// The explanation of a ticket's clocks for GET /v1/sla/tickets/:id: the clock run now
// with timelines, plus the reasons a person needs to trust it — which policy applied
// and why, the target and calendar, what paused the clock, and the verdict.
import { SLA_METRICS, type SlaMetric } from '../../core/config/sla.ts';
import type { MetricExplainDto, SlaTicketDto } from '../../core/ports/sla.ts';
import { computeSla, orderEvents, type SlaEvent } from './clock.ts';
import type { SlaConfig } from './defaults.ts';
import { compileSlaConfig, type CompiledPolicy } from './policy.ts';
import type { SlaRow } from './rows.ts';
import type { MetricSla, SlaResult, TimelineSegment } from './types.ts';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
const round = (x: number): number => Math.round(x * 1000) / 1000;

const METRIC_TEXT: Record<SlaMetric, string> = { first_response: 'first response', next_reply: 'next reply', resolution: 'resolution' };
const DIMENSIONS = ['priority', 'customer_tier', 'channel', 'category', 'team', 'tenant'] as const;

export function explainTicket(events: readonly SlaEvent[], config: SlaConfig, nowMs: number, stored: readonly SlaRow[] = []): SlaTicketDto {
  const result = computeSla(events, config, nowMs, { explain: true });
  const compiled = compileSlaConfig(config);
  const policy = compiled.policies.find((p) => p.name === result.policy) ?? null;
  const latest = stored.reduce<SlaRow | null>((a, r) => (a === null || r.version > a.version ? r : a), null);
  const metrics = {} as SlaTicketDto['metrics'];
  for (const m of SLA_METRICS) {
    const metric = result.metrics[m];
    metrics[m] = metric === null ? null : explainMetric(metric, result, compiled.policies, events);
  }
  return {
    ticket_id: result.ticket_id,
    status: result.status,
    policy: result.policy,
    policy_reason: policy === null ? 'no policy matches this ticket (the configuration has no catch-all policy)' : policyReason(policy, result, compiled.policies.length),
    dimensions: { ...result.dimensions },
    created_at: isoOrNull(result.created_at),
    evaluated_at: iso(result.evaluated_at),
    events: orderEvents(events).events.length,
    stored: latest === null ? null : { version: latest.version, computed_at: iso(latest.computed_at), source: latest.source },
    metrics,
  };
}

/** "first policy whose conditions hold: priority = urgent" */
function policyReason(p: CompiledPolicy, result: SlaResult, total: number): string {
  const conditions = p.conditions.map((c) => {
    const dim = DIMENSIONS[c.dim];
    return `${dim} = ${result.dimensions[dim] ?? '?'} (one of ${c.values.join(', ')})`;
  });
  const position = `policy ${p.index + 1} of ${total}`;
  if (conditions.length === 0) return `${p.name}: the catch-all (${position}); no earlier policy's conditions hold`;
  return `${p.name}: the first policy whose conditions all hold (${position}): ${conditions.join(' and ')}`;
}

function explainMetric(m: MetricSla, result: SlaResult, policies: readonly CompiledPolicy[], events: readonly SlaEvent[]): MetricExplainDto {
  const policy = policies.find((p) => p.name === m.policy);
  const timeline = m.timeline ?? [];
  const totals: Record<string, number> = { running: 0, paused: 0, outside_hours: 0, holiday: 0, stopped: 0 };
  for (const s of timeline) totals[s.kind] = round((totals[s.kind] ?? 0) + s.minutes);
  return {
    metric: m.metric,
    policy: m.policy,
    calendar: m.calendar,
    calendar_timezone: policy?.calendar.timezone ?? 'UTC',
    target_minutes: m.target_minutes,
    elapsed_minutes: round(m.elapsed_minutes),
    remaining_minutes: round(Math.max(0, m.target_minutes - m.elapsed_minutes)),
    paused_minutes: round(m.paused_minutes),
    state: m.state,
    clock: m.clock,
    started_at: iso(m.started_at),
    deadline: isoOrNull(m.deadline),
    breached_at: isoOrNull(m.breached_at),
    met_at: isoOrNull(m.met_at),
    met_by: m.met_by,
    cycles: m.cycles,
    breached_cycles: m.breached_cycles,
    at_risk: m.at_risk.map((l) => ({ name: l.name, threshold_minutes: round(l.threshold_minutes), at: isoOrNull(l.at), reached: l.reached })),
    escalations: m.escalations.map((e) => ({ level: e.level, notify: e.notify, due_at: isoOrNull(e.due_at), state: e.state })),
    why: why(m, policy, timeline, result, events),
    totals,
    timeline: timeline.map((s) => ({
      start: iso(s.start),
      end: iso(s.end),
      kind: s.kind,
      minutes: round(s.minutes),
      business_minutes: round(s.business_minutes),
      policy: s.policy,
      calendar: s.calendar,
      reason: s.reason,
    })),
  };
}

function why(m: MetricSla, policy: CompiledPolicy | undefined, timeline: readonly TimelineSegment[], result: SlaResult, events: readonly SlaEvent[]): string[] {
  const out: string[] = [];
  const name = METRIC_TEXT[m.metric];
  out.push(startReason(m, result, events));
  // Re-targeting: where the policy in force changed along the timeline.
  for (let i = 1; i < timeline.length; i++) {
    if (timeline[i].policy !== timeline[i - 1].policy) {
      out.push(`re-targeted at ${iso(timeline[i].start)} from policy ${timeline[i - 1].policy} to ${timeline[i].policy} (a ticket dimension changed); business time already used was kept`);
    }
  }
  const cal = policy?.calendar;
  const calText = cal === undefined ? m.calendar : cal.alwaysOpen ? `${m.calendar} (${cal.timezone}, open around the clock)` : `${m.calendar} (${cal.timezone}, business hours and holidays)`;
  out.push(`target ${m.target_minutes} business minutes under policy ${m.policy}, counted on calendar ${calText}`);
  const pauses = policy?.pauseStatuses[SLA_METRICS.indexOf(m.metric)] ?? [];
  out.push(pauses.length === 0 ? `the ${name} clock never pauses` : `the ${name} clock pauses while the status is ${pauses.join(' or ')}`);
  const closed = timeline.filter((s) => s.kind === 'outside_hours' || s.kind === 'holiday').reduce((a, s) => a + s.minutes, 0);
  if (closed > 0) out.push(`${round(closed)} minutes fell outside business hours or on holidays and did not count`);
  if (m.paused_minutes > 0) out.push(`${round(m.paused_minutes)} minutes paused by status did not count`);
  out.push(verdict(m));
  return out;
}

function startReason(m: MetricSla, result: SlaResult, events: readonly SlaEvent[]): string {
  if (m.metric === 'next_reply') return `started at ${iso(m.started_at)} by a customer message awaiting an agent reply (cycle ${m.cycles})`;
  const hasCreated = events.some((e) => e.type === 'created');
  const from = hasCreated ? 'the ticket was created' : 'the first event (the history has no created event)';
  const reopens = m.metric === 'resolution' && m.cycles > 1 ? `; reopened ${m.cycles - 1} time(s), time between solving and reopening not counted` : '';
  return `started at ${iso(result.created_at ?? m.started_at)}: ${from}${reopens}`;
}

function verdict(m: MetricSla): string {
  const used = `${round(m.elapsed_minutes)} of ${m.target_minutes} business minutes`;
  if (m.state === 'met') return `met at ${iso(m.met_at!)} (${m.met_by}) after ${used}`;
  if (m.state === 'breached') {
    const late = m.met_at === null ? 'still open' : `met late at ${iso(m.met_at)} (${m.met_by})`;
    return `breached at ${iso(m.breached_at!)}: the target ran out while the clock was running; ${late}`;
  }
  if (m.state === 'paused') return `paused: ${used} used; no deadline while paused, recomputed from the time left when the clock resumes`;
  return `running: ${used} used, deadline ${iso(m.deadline!)} if nothing changes`;
}
