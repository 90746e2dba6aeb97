// SLA clock throughput: 200,000 tickets with realistic 8-event histories spread over
// 2026 (weekends, DST changes, holidays), every policy on the office-hours calendar,
// each ticket evaluated shortly after its last event. One thread, so one core.
//   npx tsx bench/sla-clock.ts [tickets]
import type { EventType } from '../core/events/schema.ts';
import { computeSla, DEFAULT_CALENDARS, DEFAULT_POLICIES, type SlaConfig, type SlaEvent } from '../processors/sla/index.ts';

const TICKETS = Number(process.argv[2] ?? 200_000);
const ROUNDS = 5;

// mulberry32: deterministic, so every run measures the same histories.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(20260329);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
/** Exponential gap with the given mean, in ms (at least a second). */
const gap = (meanMinutes: number): number => Math.max(1000, Math.round(-Math.log(1 - rand()) * meanMinutes * 60_000));

type Step = [EventType, string];
const TEMPLATES: Step[][] = [
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
const PRIORITIES = ['urgent', 'high', 'normal', 'normal', 'normal', 'low'];
const TIERS = ['standard', 'standard', 'standard', 'premium', 'vip'];
const CHANNELS = ['email', 'chat', 'phone', 'web'];
const TEAMS = ['billing', 'tech', 'accounts', 'shipping'];

const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_MS = 365 * 86_400_000;

type BenchEvent = SlaEvent & { agent_id?: string };

interface Ticket {
  events: BenchEvent[];
  nowMs: number;
}

function makeTicket(n: number): Ticket {
  const id = `T${n}`;
  const steps = pick(TEMPLATES);
  const dims = { priority: pick(PRIORITIES), customer_tier: pick(TIERS), channel: pick(CHANNELS), team: pick(TEAMS), tenant: 'acme' };
  let t = YEAR_START + Math.floor(rand() * YEAR_MS);
  const events: BenchEvent[] = steps.map(([type, status], i) => {
    if (i > 0) t += gap(type === 'resolved' || type === 'reopened' ? 600 : 150);
    if (type === 'priority_changed') dims.priority = pick(PRIORITIES);
    if (type === 'transferred') dims.team = pick(TEAMS);
    return {
      event_id: `${id}-${i}`,
      ticket_id: id,
      type,
      occurred_at: new Date(t).toISOString(),
      status,
      agent_id: type === 'created' ? undefined : `agent-${n % 40}`,
      ...dims,
    };
  });
  return { events, nowMs: t + Math.floor(rand() * 2 * 3_600_000) };
}

// Every policy on the office-hours calendar: the harder case (the 24×7 calendar is a fast path).
const config: SlaConfig = {
  calendars: DEFAULT_CALENDARS,
  policies: DEFAULT_POLICIES.map((p) => ({ ...p, calendar: 'business' })),
};

const tickets: Ticket[] = [];
for (let i = 0; i < TICKETS; i++) tickets.push(makeTicket(i));
console.log(`sla-clock: ${TICKETS} tickets, 8 events each, business calendar (Europe/London, Mon-Fri 09:00-18:00, holidays)`);

/** Wall time, and CPU time of this process (which other processes on the machine do not inflate). */
function run(explain: boolean, count = tickets.length): { ms: number; cpuMs: number; breached: number } {
  let breached = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const r = computeSla(tickets[i].events, config, tickets[i].nowMs, explain ? { explain } : undefined);
    if (r.metrics.resolution?.state === 'breached') breached++;
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000, breached };
}

const wallRates: number[] = [];
const cpuRates: number[] = [];
let breached = 0;
for (let round = 0; round < ROUNDS; round++) {
  const r = run(false);
  breached = r.breached;
  wallRates.push((TICKETS / r.ms) * 1000);
  cpuRates.push((TICKETS / r.cpuMs) * 1000);
  console.log(
    `  round ${round + 1}: ${r.ms.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU: ` +
      `${fmt(wallRates[round])} tickets/s wall, ${fmt(cpuRates[round])} tickets per CPU-second` +
      (round === 0 ? ' (cold: JIT warm-up, calendar days being built)' : ''),
  );
}
console.log(`  resolution breached: ${breached} of ${TICKETS} (${((breached / TICKETS) * 100).toFixed(1)} %)`);

const explainCount = Math.min(TICKETS, 50_000);
run(true, explainCount);
const ex = run(true, explainCount);
console.log(`  with explain timelines: ${fmt((explainCount / ex.cpuMs) * 1000)} tickets per CPU-second`);

// Median of the warm rounds. CPU time is the figure for "one core": it counts only the
// time this process ran (GC helper threads included), not time other processes took.
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`  warm median: ${fmt(median(wallRates.slice(1)))} tickets/s wall, ${fmt(median(cpuRates.slice(1)))} tickets per CPU-second`);
console.log(`RESULT sla-clock clock_tickets_per_s=${Math.round(median(cpuRates.slice(1)))}`);

function fmt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}
