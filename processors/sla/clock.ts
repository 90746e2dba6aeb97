// THE SLA clock: a pure function of a ticket's events, the SLA config and "now".
// No I/O, no global clock: the same inputs give the same answer, whatever order the
// events arrive in and however often they are repeated. The rules are in docs/sla.md.
import { TicketPulseError } from '../../core/errors.ts';
import type { SlaConfig } from './defaults.ts';
import { parseIsoMs } from './iso-time.ts';
import { MetricClock } from './metric-clock.ts';
import { CompiledSlaConfig, compileSlaConfig, matchCompiledPolicy, type CompiledPolicy } from './policy.ts';
import { buildMetric } from './result.ts';
import type { ComputeSlaOptions, SlaResult } from './types.ts';

/**
 * Order of events stamped with the same instant: dimension changes before replies (the
 * policy in force at an instant includes them), a reopen before the customer message
 * that caused it, a reply before the resolve it came with.
 */
export const SAME_INSTANT_ORDER: ReadonlyMap<string, number> = new Map([
  ['created', 0],
  ['reopened', 1],
  ['priority_changed', 2],
  ['transferred', 3],
  ['assigned', 4],
  ['updated', 5],
  ['escalated', 6],
  ['status_changed', 7],
  ['customer_replied', 8],
  ['agent_replied', 9],
  ['resolved', 10],
  ['closed', 11],
  ['satisfaction_rated', 12],
]);
const UNKNOWN_RANK = 13;

/**
 * The fields of a TicketEvent (core/events) the clock reads; a TicketEvent or a
 * ticket_events row fits. `type` is a plain string so that an unknown type is ignored
 * rather than refused. An empty string counts as absent (rows store '' for "not set"),
 * and an `occurred_at` without an offset is UTC (the row form 'YYYY-MM-DD hh:mm:ss.sss').
 */
export interface SlaEvent {
  event_id: string;
  ticket_id: string;
  type: string;
  occurred_at: string;
  /**
   * occurred_at as epoch ms, when the caller has it already (the processor reads it so
   * from ticket_events); occurred_at is then not read at all.
   */
  occurred_ms?: number | undefined;
  status?: string | undefined;
  priority?: string | undefined;
  customer_tier?: string | undefined;
  channel?: string | undefined;
  category?: string | undefined;
  team?: string | undefined;
  tenant?: string | undefined;
}

export interface OrderedEvents {
  events: SlaEvent[];
  times: number[];
}

/** Distinct events (first copy of each event_id) in clock order, with parsed times. */
export function orderEvents(input: readonly SlaEvent[]): OrderedEvents {
  const buf = new EventBuffer();
  buf.load(input);
  return { events: buf.events.slice(0, buf.n), times: buf.times.slice(0, buf.n) };
}

/**
 * Working arrays for one history, filled by index with an explicit count: setting an
 * array's length is a runtime call in V8, costly at 200,000 tickets a second.
 */
class EventBuffer {
  events: SlaEvent[] = [];
  times: number[] = [];
  ranks: number[] = [];
  n = 0;

  load(input: readonly SlaEvent[]): void {
    const events = this.events;
    const times = this.times;
    const ranks = this.ranks;
    let n = 0;
    // Histories are short: a scan of the ids kept so far beats allocating a Set.
    const seen = input.length > 24 ? new Set<string>() : null;
    for (let i = 0; i < input.length; i++) {
      const e = input[i];
      const t = e.occurred_ms !== undefined ? e.occurred_ms : parseIsoMs(e.occurred_at);
      if (Number.isNaN(t)) continue;
      const id = e.event_id;
      if (seen !== null) {
        if (seen.has(id)) continue;
        seen.add(id);
      } else {
        let dup = false;
        for (let j = 0; j < n; j++) {
          if (events[j].event_id === id) {
            dup = true;
            break;
          }
        }
        if (dup) continue;
      }
      const rank = SAME_INSTANT_ORDER.get(e.type) ?? UNKNOWN_RANK;
      // Insertion sort (short input only): usually already in order, which makes it linear.
      let k = n++;
      if (seen === null) {
        while (k > 0 && before(t, rank, id, times[k - 1], ranks[k - 1], events[k - 1].event_id)) {
          events[k] = events[k - 1];
          times[k] = times[k - 1];
          ranks[k] = ranks[k - 1];
          k--;
        }
      }
      events[k] = e;
      times[k] = t;
      ranks[k] = rank;
    }
    this.n = n;
    if (seen === null) return;
    // Long histories: a real sort, so that a reversed input is not quadratic. Ids are
    // unique by now, so the order is total and the result does not depend on the input order.
    const index = Array.from({ length: n }, (_, i) => i);
    index.sort((a, b) => (before(times[a], ranks[a], events[a].event_id, times[b], ranks[b], events[b].event_id) ? -1 : 1));
    const e2 = index.map((i) => events[i]);
    const t2 = index.map((i) => times[i]);
    const r2 = index.map((i) => ranks[i]);
    for (let i = 0; i < n; i++) {
      events[i] = e2[i];
      times[i] = t2[i];
      ranks[i] = r2[i];
    }
  }

  /** Forgets the caller's events so that they are not kept alive between calls. */
  release(): void {
    const events = this.events as Array<SlaEvent | undefined>;
    for (let i = 0; i < this.n; i++) events[i] = undefined;
    this.n = 0;
  }
}

// computeSla runs synchronously and calls no outside code, so one set of working arrays
// and clocks can serve every call: not allocating them per ticket is a measurable share
// of the time (garbage collection).
const scratchBuffer = new EventBuffer();
const scratchReplies: number[] = [];
const scratchDims: Array<string | undefined> = [undefined, undefined, undefined, undefined, undefined, undefined];
let scratchClocks: [MetricClock, MetricClock, MetricClock] | null = null;

function before(t: number, rank: number, id: string, t2: number, rank2: number, id2: string): boolean {
  if (t !== t2) return t < t2;
  if (rank !== rank2) return rank < rank2;
  return id < id2;
}

function isClosedStatus(status: string): boolean {
  return status === 'solved' || status === 'closed';
}

/**
 * SLA state of one ticket at `nowMs` (epoch ms): first_response, next_reply and
 * resolution, each against the policy the ticket matches now. Pass the same config
 * object on every call: its compiled form (with the calendar caches) is kept per object.
 */
export function computeSla(
  events: readonly SlaEvent[],
  config: SlaConfig | CompiledSlaConfig,
  nowMs: number,
  opts?: ComputeSlaOptions,
): SlaResult {
  if (!Number.isFinite(nowMs)) {
    throw new TicketPulseError('validation_failed', `computeSla: nowMs must be epoch milliseconds, got ${String(nowMs)}`, { field: 'nowMs' });
  }
  const compiled = compileSlaConfig(config);
  const policies = compiled.policies;
  const buffer = scratchBuffer;
  buffer.load(events);
  const { events: evs, times, n: count } = buffer;
  const explain = opts?.explain === true;

  const dims = scratchDims;
  for (let d = 0; d < 6; d++) dims[d] = undefined;
  let policy: CompiledPolicy = compiled.fallback;
  let matched = false;
  let status = 'new';
  scratchClocks ??= [
    new MetricClock('first_response', 0, policy, explain),
    new MetricClock('next_reply', 1, policy, explain),
    new MetricClock('resolution', 2, policy, explain),
  ];
  const [fr, nr, res] = scratchClocks;
  fr.reset(policy, explain);
  nr.reset(policy, explain);
  res.reset(policy, explain);
  const agentReplies = scratchReplies;
  let replies = 0;

  // The clocks start at the first 'created' event, or at the first event when the
  // history has none (a ticket imported mid-life).
  let startIndex = 0;
  for (let i = 0; i < count; i++) {
    if (evs[i].type === 'created') {
      startIndex = i;
      break;
    }
  }

  for (let i = 0; i < count; i++) {
    const e = evs[i];
    const t = times[i];
    const type = e.type;

    let st = e.status === undefined || e.status === '' ? status : e.status;
    if (type === 'resolved') st = 'solved';
    else if (type === 'closed') st = 'closed';
    else if (type === 'reopened' && isClosedStatus(st)) st = 'open';

    // Spelled out rather than looped over MATCH_DIMENSIONS: keyed reads by a variable
    // name are several times slower than fixed property reads on this hot path.
    let changed = !matched;
    let v = e.priority;
    if (v !== undefined && v !== '' && v !== dims[0]) (dims[0] = v), (changed = true);
    v = e.customer_tier;
    if (v !== undefined && v !== '' && v !== dims[1]) (dims[1] = v), (changed = true);
    v = e.channel;
    if (v !== undefined && v !== '' && v !== dims[2]) (dims[2] = v), (changed = true);
    v = e.category;
    if (v !== undefined && v !== '' && v !== dims[3]) (dims[3] = v), (changed = true);
    v = e.team;
    if (v !== undefined && v !== '' && v !== dims[4]) (dims[4] = v), (changed = true);
    v = e.tenant;
    if (v !== undefined && v !== '' && v !== dims[5]) (dims[5] = v), (changed = true);
    let next = policy;
    if (changed) {
      next = matchCompiledPolicy(policies, dims) ?? compiled.fallback;
      matched = true;
    }
    if (type === 'agent_replied') agentReplies[replies++] = t;

    if (i < startIndex) {
      status = st;
      policy = next;
      continue;
    }
    const closedNow = isClosedStatus(st);
    if (i === startIndex) {
      policy = next;
      fr.start(t, policy, st);
      res.start(t, policy, st);
    } else if (next !== policy) {
      // Re-targeting: open clocks keep their elapsed time and continue under the new
      // policy (target, calendar, pause statuses) from this instant.
      policy = next;
      if (fr.active) fr.retarget(t, policy, status);
      if (nr.active) nr.retarget(t, policy, status);
      if (res.active) res.retarget(t, policy, status);
    }

    if (fr.active && (type === 'agent_replied' || closedNow)) fr.stop(t, type, st);
    if (nr.active) {
      if (type === 'agent_replied' || closedNow) nr.stop(t, type, st);
    } else if (type === 'customer_replied' && fr.started && !fr.active && !closedNow) {
      nr.start(t, policy, st);
    }
    if (res.active) {
      if (closedNow) res.stop(t, type, st);
    } else if (!closedNow && res.started) {
      res.resume(t, policy, st);
    }

    if (st !== status) {
      fr.status(t, st);
      nr.status(t, st);
      res.status(t, st);
      status = st;
    }
  }

  const lastEvent = count > 0 ? times[count - 1] : nowMs;
  // Events stamped ahead of now (producer clock skew) still count: evaluate up to the later.
  const evalMs = lastEvent > nowMs ? lastEvent : nowMs;
  fr.advance(evalMs);
  nr.advance(evalMs);
  res.advance(evalMs);

  const result: SlaResult = {
    ticket_id: count > 0 ? evs[0].ticket_id : '',
    evaluated_at: evalMs,
    policy: matched && policy !== compiled.fallback ? policy.name : null,
    status,
    created_at: count > 0 ? times[startIndex] : null,
    dimensions: {
      priority: dims[0] ?? null,
      customer_tier: dims[1] ?? null,
      channel: dims[2] ?? null,
      category: dims[3] ?? null,
      team: dims[4] ?? null,
      tenant: dims[5] ?? null,
    },
    metrics: {
      first_response: buildMetric(fr, evalMs, agentReplies, replies),
      next_reply: buildMetric(nr, evalMs, agentReplies, replies),
      resolution: buildMetric(res, evalMs, agentReplies, replies),
    },
  };
  buffer.release();
  return result;
}
