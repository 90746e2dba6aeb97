// The synthetic ticket histories the SLA benchmarks evaluate (bench/sla-clock.ts, and the
// clock part of bench/sla.ts, whose backfill SQL draws from the same lists): six
// lifecycles of eight events, seeded, so every run measures the same tickets.
import type { EventType } from '../core/events/schema.ts';
import type { SlaEvent } from '../processors/sla/index.ts';

type Step = [EventType, string];
export const TEMPLATES: readonly Step[][] = [
  // replied, waited on the customer, solved
  [['created', 'new'], ['assigned', 'open'], ['agent_replied', 'pending'], ['customer_replied', 'open'], ['agent_replied', 'open'], ['status_changed', 'pending'], ['resolved', 'solved'], ['satisfaction_rated', 'solved']],
  // back-and-forth, solved and closed
  [['created', 'new'], ['assigned', 'open'], ['customer_replied', 'open'], ['agent_replied', 'open'], ['customer_replied', 'open'], ['agent_replied', 'open'], ['resolved', 'solved'], ['closed', 'closed']],
  // re-prioritised, put on hold, solved
  [['created', 'new'], ['priority_changed', 'new'], ['assigned', 'open'], ['agent_replied', 'open'], ['status_changed', 'on_hold'], ['status_changed', 'open'], ['agent_replied', 'open'], ['resolved', 'solved']],
  // solved, reopened by the customer, solved again
  [['created', 'new'], ['agent_replied', 'open'], ['resolved', 'solved'], ['reopened', 'open'], ['customer_replied', 'open'], ['agent_replied', 'open'], ['resolved', 'solved'], ['closed', 'closed']],
  // still open: waiting for the next reply
  [['created', 'new'], ['assigned', 'open'], ['agent_replied', 'open'], ['customer_replied', 'open'], ['transferred', 'open'], ['agent_replied', 'open'], ['updated', 'open'], ['customer_replied', 'open']],
  // still open: no first reply yet, escalated
  [['created', 'new'], ['assigned', 'open'], ['customer_replied', 'open'], ['updated', 'open'], ['escalated', 'open'], ['transferred', 'open'], ['status_changed', 'on_hold'], ['status_changed', 'open']],
];
export const PRIORITIES = ['urgent', 'high', 'normal', 'normal', 'normal', 'low'];
export const TIERS = ['standard', 'standard', 'standard', 'premium', 'vip'];
export const CHANNELS = ['email', 'chat', 'phone', 'web'];
export const TEAMS = ['billing', 'tech', 'accounts', 'shipping'];
export const CATEGORIES = ['refund', 'login', 'outage', 'invoice', 'delivery'];

/** mulberry32: deterministic, so every run measures the same histories. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchTicket {
  events: Array<SlaEvent & { agent_id?: string }>;
  /** The instant the clock is evaluated at: up to 2 h after the last event. */
  nowMs: number;
}

/**
 * `count` tickets created over 2026, events at exponential gaps (longer before a
 * resolution or reopening). `agents`: replies and later events carry one of 40 agent ids.
 */
export function benchTickets(count: number, opts: { seed?: number; agents?: boolean } = {}): BenchTicket[] {
  const rand = prng(opts.seed ?? 20260329);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  /** Exponential gap with the given mean, in ms (at least a second). */
  const gap = (meanMinutes: number): number => Math.max(1000, Math.round(-Math.log(1 - rand()) * meanMinutes * 60_000));
  const yearStart = Date.UTC(2026, 0, 1);
  const tickets: BenchTicket[] = [];
  for (let n = 0; n < count; n++) {
    const id = `T${n}`;
    const steps = pick(TEMPLATES);
    const dims = { priority: pick(PRIORITIES), customer_tier: pick(TIERS), channel: pick(CHANNELS), team: pick(TEAMS), tenant: 'acme' };
    let t = yearStart + Math.floor(rand() * 365 * 86_400_000);
    const events = steps.map(([type, status], i) => {
      if (i > 0) t += gap(type === 'resolved' || type === 'reopened' ? 600 : 150);
      if (type === 'priority_changed') dims.priority = pick(PRIORITIES);
      if (type === 'transferred') dims.team = pick(TEAMS);
      const agent = opts.agents && type !== 'created' ? { agent_id: `agent-${n % 40}` } : {};
      return { event_id: `${id}-${i}`, ticket_id: id, type, occurred_at: new Date(t).toISOString(), status, ...agent, ...dims };
    });
    tickets.push({ events, nowMs: t + Math.floor(rand() * 7_200_000) });
  }
  return tickets;
}
