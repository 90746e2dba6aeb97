// Routing benchmark, two parts:
//  1. Recompute time for 1,000 agents × 20 skills over 30 days of events. The events
//     (~600k tickets, ~3.5M events) are generated inside the engine with
//     INSERT … SELECT FROM numbers(), each agent with a hidden quality that drives
//     reply speed, resolution, reopens and CSAT.
//  2. GET /v1/routing/weights served from the in-memory snapshot of 500 agents × 20
//     skills (20 teams of 25), loaded by autocannon from a second process: maximum
//     throughput against GET /healthz in the same run as the baseline, then latency
//     at a constant 2,000 requests/s (an open-loop generator of our own: see LOADER).
// Targets: recompute ≤ 10 s; p99 ≤ 5 ms at 2,000 req/s; weights throughput ≥ 50 % of /healthz.
//   npm run bench:routing [-- --tickets 600000 --duration 5 --rounds 3 --connections 16 --skip-recompute]
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import Fastify from 'fastify';
import { installErrorHandler } from '../api/error-handler.ts';
import { healthRoutes } from '../api/routes/health.ts';
import { routingRoutes } from '../api/routes/routing.ts';
import { ErrorResponse } from '../api/schemas.ts';
import { toClickHouseTime } from '../core/events/row.ts';
import { fmt } from '../core/progress.ts';
import { AgentsService, parseAgentsConfig, planWeights, RoutingSnapshotStore, type GroupInput } from '../processors/agents/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../tests/support/clickhouse.ts';

const args = parseArgs(process.argv.slice(2));
const TICKETS = Number(args.tickets ?? 600_000);
const AGENTS = 1_000;
const SKILLS = 20;
const DURATION = Number(args.duration ?? 5);
const ROUNDS = Number(args.rounds ?? 3);
const CONNECTIONS = Number(args.connections ?? 16);
const FIXED_RATE = 2_000;
const say = (line: string) => process.stdout.write(`${line}\n`);
const DAY = 86_400_000;

async function main(): Promise<void> {
  const recomputeS = args['skip-recompute'] ? NaN : await recomputeBench();
  const http = await httpBench();
  say('');
  say(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (other work on the machine inflates wall times)`);
  if (Number.isNaN(recomputeS)) say('recompute: skipped (--skip-recompute)');
  else say(`recompute (1,000 agents × 20 skills, 30 days): ${recomputeS.toFixed(2)} s  (target ≤ 10 s: ${recomputeS <= 10 ? 'met' : 'NOT met'})`);
  say(`HTTP figures: medians of ${ROUNDS} alternating rounds`);
  say(`GET /healthz max:              ${fmt(http.healthz.rps)} req/s, p50 ${http.healthz.p50} ms, p99 ${http.healthz.p99} ms`);
  say(`GET /v1/routing/weights max:   ${fmt(http.weights.rps)} req/s, p50 ${http.weights.p50} ms, p99 ${http.weights.p99} ms`);
  say(`GET /v1/routing/weights @${FIXED_RATE}/s: ${fmt(http.fixed.rps)} req/s, p50 ${http.fixed.p50} ms, p99 ${http.fixed.p99} ms, from when due ${http.fixed.p99FromDue} ms  (target p99 ≤ 5 ms: ${http.fixed.p99 <= 5 ? 'met' : 'NOT met'})`);
  say(`GET /healthz @${FIXED_RATE}/s:          ${fmt(http.healthzFixed.rps)} req/s, p50 ${http.healthzFixed.p50} ms, p99 ${http.healthzFixed.p99} ms, from when due ${http.healthzFixed.p99FromDue} ms`);
  const ratio = http.weights.rps / http.healthz.rps;
  say(`weights / healthz throughput: ${ratio.toFixed(2)}  (target ≥ 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
  say(`RESULT routing rps=${Math.round(http.weights.rps)} p99_ms=${http.fixed.p99} healthz_ratio=${ratio.toFixed(2)} recompute_s=${recomputeS.toFixed(2)}`);
}

// ---------------------------------------------------------------------------------
// 1. Recompute

async function recomputeBench(): Promise<number> {
  const t = await openTestClickHouse('bench-routing');
  try {
    const now = Date.UTC(2026, 10, 20);
    await generateEvents(t, now);
    const events = await t.scalar('SELECT count() FROM ticket_events');
    say(`events: ${fmt(events)} for ${fmt(TICKETS)} tickets, ${AGENTS} agents, ${SKILLS} skills, 30 days`);
    const config = parseAgentsConfig({ routing: { defaultCapacity: 50 } });
    const service = new AgentsService({ ch: t.ch, config });
    await service.init();
    say('recompute: running (metrics query, scoring, weights, snapshot writes)…');
    const ticker = setInterval(() => say('recompute: still running…'), 2_000);
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    let report;
    try {
      report = await service.recompute({ now });
    } finally {
      clearInterval(ticker);
    }
    const secs = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    // chDB runs in this process, so this is the engine's CPU time too: a figure that
    // does not depend on what else the machine is doing.
    say(
      `recompute: ${secs.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores) — ` +
        `phases ${JSON.stringify(report.phasesMs)}; ${report.agents} agents, ${report.skills} skills, ${fmt(report.scoreRows)} scores, version ${report.version} with ${fmt(report.changedEntries)} weights`,
    );
    // A second run on the same data: steady state (weights stepping from v1).
    const cpu1 = process.cpuUsage();
    const again = await service.recompute({ now: now + 15 * 60_000 });
    const cpuAgain = process.cpuUsage(cpu1);
    say(`recompute (second run, 15 min later): ${(again.durationMs / 1000).toFixed(2)} s wall, ${((cpuAgain.user + cpuAgain.system) / 1e6).toFixed(2)} s CPU — phases ${JSON.stringify(again.phasesMs)}`);
    await service.close();
    return Math.max(secs, again.durationMs / 1000);
  } finally {
    await t.cleanup();
  }
}

async function generateEvents(t: TestClickHouse, now: number): Promise<void> {
  const chunks = 10;
  const per = Math.ceil(TICKETS / chunks);
  const start = now - 30 * DAY;
  const t0 = performance.now();
  for (let c = 0; c < chunks; c++) {
    const from = c * per;
    const count = Math.min(per, TICKETS - from);
    if (count <= 0) break;
    await t.ch.client.command({ query: generateSql(), query_params: { from, count, start: toClickHouseTime(start), agents: AGENTS, skills: SKILLS } });
    const done = from + count;
    const secs = (performance.now() - t0) / 1000;
    say(`generating events: ${fmt(done)}/${fmt(TICKETS)} tickets (${((100 * done) / TICKETS).toFixed(0)}%), ${secs.toFixed(1)} s`);
  }
}

/**
 * One ticket per number: agent n mod 1000 (team = agent mod 20), skill from a hash,
 * a hidden quality q per agent (and skill) that shortens replies, raises resolution
 * and CSAT and lowers reopens. Every draw is a hash of the ticket number, so reruns
 * produce the same log.
 */
function generateSql(): string {
  return `
INSERT INTO ticket_events (event_id, ticket_id, type, occurred_at, tenant, channel, priority, customer_id, customer_tier,
  team, agent_id, category, product, region, status, subject, body, csat, attributes, schema_version, received_at, source,
  kafka_topic, kafka_partition, kafka_offset)
SETTINGS insert_deduplicate = 0, async_insert = 0
SELECT
  concat('bt-', toString(n), '-', toString(e.1)),
  concat('BT-', toString(n)),
  e.2,
  created + toIntervalMillisecond(e.3),
  'acme', channel, priority, concat('c-', toString(n % 50000)), 'standard',
  if(e.2 = 'created', '', team), if(e.2 = 'created', '', agent), skill, '', 'eu-west', '', '', '',
  e.4, map(), 1, created, 'bench', '', 0, 0
FROM
(
  SELECT
    number AS n,
    number % {agents:UInt32} AS a,
    concat('agent-', leftPad(toString(a), 4, '0')) AS agent,
    concat('team-', leftPad(toString(a % 20), 2, '0')) AS team,
    cityHash64(number, 1) % {skills:UInt32} AS s,
    concat('skill-', leftPad(toString(s), 2, '0')) AS skill,
    ['chat', 'phone', 'email', 'web', 'social'][1 + cityHash64(number, 2) % 5] AS channel,
    ['low', 'normal', 'high', 'urgent'][1 + cityHash64(number, 3) % 4] AS priority,
    (cityHash64(a, s) % 1000) / 1000.0 AS q,
    (cityHash64(number, 4) % 1000000) / 1000000.0 AS u1,
    (cityHash64(number, 5) % 1000000) / 1000000.0 AS u2,
    (cityHash64(number, 6) % 1000000) / 1000000.0 AS u3,
    (cityHash64(number, 7) % 1000000) / 1000000.0 AS u4,
    toDateTime64({start:DateTime64(3, 'UTC')}, 3, 'UTC') + toIntervalSecond(cityHash64(number, 8) % (30 * 86400 - 7200)) AS created,
    toUInt64(60000 * (channel IN ('chat', 'phone') ? 2 : 90) * (1.6 - q) * exp(-log(u1 + 0.001) * 0.5)) AS reply_ms,
    reply_ms + toUInt64(3600000 * (1.5 - q) * (0.5 + u2)) AS resolve_ms,
    u3 < 0.8 + 0.15 * q AS resolved,
    resolved AND u4 < 0.02 + 0.25 * (1 - q) AS reopened,
    resolved AND u2 < 0.35 AS rated,
    toUInt8(greatest(1, least(5, round(1.5 + 3.5 * q + (u1 - 0.5))))) AS rating,
    arrayFilter(x -> x.2 != '', [
      (0, 'created', toUInt64(0), CAST(NULL, 'Nullable(UInt8)')),
      (1, 'assigned', toUInt64(60000), NULL),
      (2, 'agent_replied', reply_ms, NULL),
      (3, if(resolved, 'resolved', ''), resolve_ms, NULL),
      (4, if(reopened, 'reopened', ''), resolve_ms + 3600000, NULL),
      (5, if(reopened, 'resolved', ''), resolve_ms + 7200000, NULL),
      (6, if(rated, 'satisfaction_rated', ''), resolve_ms + 7300000, rating),
      (7, if(resolved, 'closed', ''), resolve_ms + 86400000, NULL)
    ]) AS evs
  FROM numbers({from:UInt64}, {count:UInt64})
)
ARRAY JOIN evs AS e`;
}

// ---------------------------------------------------------------------------------
// 2. HTTP

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  /** Constant-rate runs: p99 counted from when each request was due (includes the generator's timer lateness). */
  p99FromDue?: number;
  non2xx: number;
  errors: number;
}

async function httpBench(): Promise<{ healthz: Figures; weights: Figures; fixed: Figures; healthzFixed: Figures }> {
  const store = new RoutingSnapshotStore();
  const teams = Array.from({ length: 20 }, (_, i) => `team-${String(i).padStart(2, '0')}`);
  const skills = Array.from({ length: SKILLS }, (_, i) => `skill-${String(i).padStart(2, '0')}`);
  const groups: GroupInput[] = [];
  let agentNo = 0;
  for (const team of teams) {
    const members = Array.from({ length: 25 }, () => `agent-${String(agentNo++).padStart(4, '0')}`);
    for (const skill of skills) {
      groups.push({
        team,
        skill,
        members: members.map((agent_id, i) => ({ agent_id, z: Math.sin(i * 7 + skill.length) * 1.5, score: 0.5, tickets: 30 + i, open_tickets: i % 7, capacity: 10 })),
      });
    }
  }
  const plan = planWeights({
    groups,
    previous: null,
    rules: { floorFactor: 0.25, capFactor: 3, maxStepFactor: 0.5, sharpness: 1, publishEpsilon: 0.0005 },
    now: Date.now(),
    skillDimension: 'category',
    tombstoneMs: 7 * DAY,
  });
  store.publishWeights(plan.snapshot!);
  say(`snapshot: ${fmt(plan.snapshot!.entries.length)} weights (${agentNo} agents × ${SKILLS} skills, ${teams.length} teams)`);

  const app = Fastify({ logger: false });
  app.addSchema(ErrorResponse);
  installErrorHandler(app);
  await app.register(healthRoutes, { checks: [] });
  await app.register(routingRoutes, { routing: store });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  // What a routing core asks: one (team, skill) at a time, rotating over 40 of them.
  const paths = Array.from({ length: 40 }, (_, i) => `/v1/routing/weights?skill=${skills[i % SKILLS]}&team=${teams[(i * 7) % teams.length]}`);
  try {
    say(`load generators in a child process: autocannon for maximum throughput (${CONNECTIONS} connections), an open-loop constant-rate generator for latency at ${FIXED_RATE}/s; ${ROUNDS} alternating rounds of ${DURATION} s per phase`);
    await runLoad(base, { name: 'warm-up', paths: [...paths, '/healthz'], duration: 2 });
    // Alternating rounds, median per phase: other work on a shared machine comes and goes,
    // and must not land on one endpoint's phase only.
    const rounds: Record<'healthz' | 'weights' | 'fixed' | 'healthzFixed', Figures[]> = { healthz: [], weights: [], fixed: [], healthzFixed: [] };
    for (let r = 1; r <= ROUNDS; r++) {
      rounds.healthz.push(await runLoad(base, { name: `healthz max (round ${r})`, paths: ['/healthz'], duration: DURATION }));
      rounds.weights.push(await runLoad(base, { name: `weights max (round ${r})`, paths, duration: DURATION }));
      rounds.fixed.push(await runLoad(base, { name: `weights @${FIXED_RATE}/s (round ${r})`, paths, duration: DURATION, rate: FIXED_RATE }));
      rounds.healthzFixed.push(await runLoad(base, { name: `healthz @${FIXED_RATE}/s (round ${r})`, paths: ['/healthz'], duration: DURATION, rate: FIXED_RATE }));
    }
    return { healthz: median(rounds.healthz), weights: median(rounds.weights), fixed: median(rounds.fixed), healthzFixed: median(rounds.healthzFixed) };
  } finally {
    await app.close();
  }
}

// Runs in the child process: autocannon's programmatic API, one JSON line out.
const LOADER = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const autocannon = require('autocannon');
const spec = JSON.parse(process.argv[1]);
const opts = {
  url: spec.base,
  connections: spec.connections,
  duration: spec.duration,
  requests: spec.paths.map((path) => ({ method: 'GET', path })),
};
if (spec.rate) {
  process.stdout.write(JSON.stringify(await constantRate(spec)) + '\\n');
} else {
  const r = await autocannon(opts);
  process.stdout.write(JSON.stringify({
    rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99,
    non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
  }) + '\\n');
}

// Open-loop constant rate: request i is sent when it is due (start + i / rate), whatever
// happened to the earlier ones, so a slow answer cannot hold later requests back (no
// coordinated omission). Latency is measured from the send; the generator's own timer
// lateness (setTimeout has ~1 ms granularity) is reported apart, as latency from when
// each request was due. autocannon's rate mode is not used for this: it sends each
// connection's quota for the second in one burst and then idles, so its p99 measures
// the burst's queue, not latency at a steady rate.
async function constantRate(spec) {
  const http = await import('node:http');
  const { port, hostname } = new URL(spec.base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const total = Math.round(spec.rate * spec.duration);
  const interval = 1000 / spec.rate;
  const latencies = [];
  const fromDue = [];
  let non2xx = 0, errors = 0, done = 0, sent = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const finish = () => { if (++done === total) resolve(); };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      for (; sent < due; sent++) {
        const scheduled = start + sent * interval;
        const sentAt = performance.now();
        const req = http.get({ hostname, port, path: spec.paths[sent % spec.paths.length], agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode < 200 || res.statusCode >= 300) non2xx++;
            const now = performance.now();
            latencies.push(now - sentAt);
            fromDue.push(now - scheduled);
            finish();
          });
        });
        req.on('error', () => { errors++; finish(); });
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  agent.destroy();
  const elapsed = (performance.now() - start) / 1000;
  const q = (xs, p) => {
    xs.sort((a, b) => a - b);
    return Math.round(xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] * 100) / 100;
  };
  return { rps: total / elapsed, total, p50: q(latencies, 0.5), p99: q(latencies, 0.99), p99FromDue: q(fromDue, 0.99), non2xx, errors, timeouts: 0 };
}
`;

async function runLoad(base: string, spec: { name: string; paths: string[]; duration: number; rate?: number }): Promise<Figures> {
  say(`load: ${spec.name} for ${spec.duration} s…`);
  const child = spawn(process.execPath, ['--input-type=module', '-e', LOADER, JSON.stringify({ base, connections: CONNECTIONS, ...spec })], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const r = JSON.parse(out.trim().split('\n').pop()!) as Figures & { total: number; timeouts: number };
  say(`load: ${spec.name}: ${fmt(r.rps)} req/s (${fmt(r.total)} requests), p50 ${r.p50} ms, p99 ${r.p99} ms${r.p99FromDue !== undefined ? ` (${r.p99FromDue} ms from when due)` : ''}, non-2xx ${r.non2xx}, errors ${r.errors}`);
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${spec.name}: ${r.non2xx} non-2xx answers and ${r.errors} errors`);
  return r;
}

/** Per field median over the rounds. */
function median(list: Figures[]): Figures {
  const mid = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const n = sorted.length;
    return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  };
  return {
    rps: mid(list.map((f) => f.rps)),
    p50: mid(list.map((f) => f.p50)),
    p99: mid(list.map((f) => f.p99)),
    ...(list[0]?.p99FromDue !== undefined ? { p99FromDue: mid(list.map((f) => f.p99FromDue ?? NaN)) } : {}),
    non2xx: list.reduce((s, f) => s + f.non2xx, 0),
    errors: list.reduce((s, f) => s + f.errors, 0),
  };
}

function parseArgs(argv: string[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = true;
    else out[a.slice(2)] = argv[++i];
  }
  return out;
}

await main();
