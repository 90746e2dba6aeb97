// SLA clock throughput: 200,000 tickets with realistic 8-event histories spread over
// 2026 (weekends, DST changes, holidays), every policy on the office-hours calendar,
// each ticket evaluated shortly after its last event. One thread, so one core.
//   npm run bench:sla-clock [-- tickets]   (bench:sla prints the same figure among its four)
import { computeSla, DEFAULT_CALENDARS, DEFAULT_POLICIES, type SlaConfig } from '../processors/sla/index.ts';
import { benchTickets } from './sla-tickets.ts';

const TICKETS = Number(process.argv[2] ?? 200_000);
const ROUNDS = 5;

// Every policy on the office-hours calendar: the harder case (the 24×7 calendar is a fast path).
const config: SlaConfig = {
  calendars: DEFAULT_CALENDARS,
  policies: DEFAULT_POLICIES.map((p) => ({ ...p, calendar: 'business' })),
};

const tickets = benchTickets(TICKETS, { agents: true });
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
