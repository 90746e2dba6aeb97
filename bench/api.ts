// HTTP API under load: a TicketPulse API on embedded ClickHouse, started here, and
// autocannon in a second process (this file, re-run with --load) so the load
// generator does not share the server's event loop or CPU accounting.
//   1. GET /healthz — the baseline (routing, auth hook, headers, logging);
//   2. POST /v1/events with 1,000-event batches — events/s accepted end to end
//      (202 is sent once the batch is stored; the stored count is checked after);
//   3. POST /v1/sql with a 10-row query over ticket_events — guard + engine;
//   4. GET /v1/sla/compliance — SLOT: not built yet (see SLA_COMPLIANCE below).
// Progress lines while each run goes; last line `RESULT api …`.
//   npm run bench:api [-- --duration 10 --connections 8]
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { generateApiKey } from '../api/index.ts';
import { createServer, listen } from '../api/server.ts';
import { parseConfig } from '../core/config/index.ts';
import { fmt } from '../core/progress.ts';
import { migrationsApplied } from '../core/schema/index.ts';
import { BatchWriter, ClickHouseInserter, HttpIngestor } from '../ingest/index.ts';
import { openTestClickHouse } from '../tests/support/clickhouse.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const args = parseArgs(process.argv.slice(2));
const DURATION_S = Number(args.duration ?? 10);
const CONNECTIONS = Number(args.connections ?? 8);
const BATCH = 1_000;

/**
 * The lead fills this in once GET /v1/sla/compliance exists: the path (with its query
 * string) and the scope its key needs. While null the scenario is skipped and reported as n/a.
 */
const SLA_COMPLIANCE: { path: string; scope: 'read' } | null = null;

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A fixed body, or an NDJSON/JSON template whose `__BATCH__` is replaced per request (unique event ids). */
  body?: string;
  template?: string;
}

interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function main(): Promise<void> {
  if (args.load) return loadProcess();
  const t = await openTestClickHouse('bench-api');
  const writer = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), batchRows: 20_000, flushIntervalMs: 50, maxAttempts: 3, retryBaseMs: 50, retryMaxMs: 500 });
  const key = generateApiKey(['ingest', 'read', 'sql']);
  const config = parseConfig({ api: { auth: { keys: [key.entry] }, rateLimit: { enabled: false }, docsUi: false, bodyLimitBytes: 16 * 1024 * 1024 } });
  const server = await createServer({
    logLevel: 'warn',
    app: {
      ch: t.ch,
      ingestor: new HttpIngestor(writer),
      config: config.api,
      readiness: [{ name: 'migrations', check: () => migrationsApplied(t.ch) }],
    },
  });
  const url = await listen(server, '127.0.0.1', 0);
  say(`API at ${url} on embedded ClickHouse; ${CONNECTIONS} connections, ${DURATION_S} s per run, load from a separate process; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  const auth = { authorization: `Bearer ${key.key}` };
  const results: Record<string, LoadResult | null> = {};
  try {
    results.healthz = await run(url, { name: 'healthz', method: 'GET', path: '/healthz', headers: {} });

    const stored0 = await t.scalar('SELECT uniqExact(event_id) FROM ticket_events');
    results.events = await run(url, { name: 'events', method: 'POST', path: '/v1/events', headers: { ...auth, 'content-type': 'application/json' }, template: eventsTemplate() });
    const stored = (await t.scalar('SELECT uniqExact(event_id) FROM ticket_events')) - stored0;
    const accepted = results.events.ok * BATCH;
    // Requests still in flight when the load stops complete on the server but are not counted by the client.
    const consistent = stored >= accepted && stored <= accepted + CONNECTIONS * BATCH;
    say(`events: ${fmt(accepted)} accepted (202) while measuring, ${fmt(stored)} stored (uniqExact(event_id))${consistent ? '' : ' — MISMATCH'}`);

    const sql = JSON.stringify({ query: 'SELECT event_id, ticket_id, type, occurred_at FROM ticket_events LIMIT 10' });
    results.sql = await run(url, { name: 'sql', method: 'POST', path: '/v1/sql', headers: { ...auth, 'content-type': 'application/json' }, body: sql });

    // SLOT: GET /v1/sla/compliance (another engineer's route, not built yet).
    results.sla = SLA_COMPLIANCE ? await run(url, { name: 'sla', method: 'GET', path: SLA_COMPLIANCE.path, headers: auth }) : null;
    if (!SLA_COMPLIANCE) say('sla: skipped (GET /v1/sla/compliance does not exist yet; fill SLA_COMPLIANCE in bench/api.ts)');
  } finally {
    await server.close();
    await writer.close();
    await t.cleanup();
  }

  const h = results.healthz!;
  const e = results.events!;
  const s = results.sql!;
  const sla = results.sla;
  say('');
  say(`healthz: ${fmt(h.ok / h.seconds)} req/s, p50 ${h.p50} ms, p99 ${h.p99} ms`);
  say(`events:  ${fmt((e.ok * BATCH) / e.seconds)} events/s (${fmt(e.ok / e.seconds)} batches/s of ${BATCH}), p50 ${e.p50} ms, p99 ${e.p99} ms, non-2xx ${e.non2xx}, errors ${e.errors}`);
  say(`sql:     ${fmt(s.ok / s.seconds)} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, non-2xx ${s.non2xx}`);
  say(sla ? `sla:     ${fmt(sla.ok / sla.seconds)} req/s, p50 ${sla.p50} ms, p99 ${sla.p99} ms` : 'sla:     n/a');
  say(
    `RESULT api healthz_rps=${Math.round(h.ok / h.seconds)} healthz_p50_ms=${h.p50} healthz_p99_ms=${h.p99} ` +
      `events_per_s=${Math.round((e.ok * BATCH) / e.seconds)} events_batch_p50_ms=${e.p50} events_batch_p99_ms=${e.p99} ` +
      `sql_rps=${Math.round(s.ok / s.seconds)} sql_p50_ms=${s.p50} sql_p99_ms=${s.p99} ` +
      (sla ? `sla_rps=${Math.round(sla.ok / sla.seconds)} sla_p50_ms=${sla.p50} sla_p99_ms=${sla.p99}` : 'sla=n/a'),
  );
}

/** Runs one scenario in a child process and returns its figures. */
function run(url: string, scenario: Scenario): Promise<LoadResult> {
  say(`${scenario.name}: ${scenario.method} ${scenario.path} for ${DURATION_S} s…`);
  return new Promise((resolve, reject) => {
    // The scenario (with a ~250 KB body template) goes over stdin: too big for argv.
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--load'], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.end(JSON.stringify({ url, scenario, duration: DURATION_S, connections: CONNECTIONS }));
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('{')) resolve(JSON.parse(line) as LoadResult);
        else say(`  ${line}`);
      }
    });
    child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`load process for ${scenario.name} exited with ${code}`))));
  });
}

/** The child: autocannon against the server, progress each second, the figures as one JSON line. */
async function loadProcess(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const { url, scenario, duration, connections } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    url: string;
    scenario: Scenario;
    duration: number;
    connections: number;
  };
  let batch = 0;
  let done = 0;
  let ok = 0;
  let finished!: (r: autocannon.Result) => void;
  let failed!: (err: unknown) => void;
  const result = new Promise<autocannon.Result>((res, rej) => {
    finished = res;
    failed = rej;
  });
  const instance = autocannon({
    url: `${url}${scenario.path}`,
    method: scenario.method,
    headers: scenario.headers,
    body: scenario.body,
    connections,
    duration,
    timeout: 60,
    requests: scenario.template
      ? [{ setupRequest: (req) => ({ ...req, body: scenario.template!.replaceAll('__BATCH__', `${process.pid}-${batch++}`) }) }]
      : undefined,
  }, (err, r) => (err ? failed(err) : finished(r)));
  instance.on('response', (_client: unknown, statusCode: number) => {
    done++;
    if (statusCode >= 200 && statusCode < 300) ok++;
  });
  const started = Date.now();
  const timer = setInterval(() => {
    const secs = (Date.now() - started) / 1000;
    process.stdout.write(`[${secs.toFixed(0).padStart(3)} s] ${scenario.name}: ${fmt(done)} responses, ${fmt(ok / secs)} ok/s\n`);
  }, 1_000);
  const r = await result;
  clearInterval(timer);
  const figures: LoadResult = {
    requests: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** 1,000 events as a JSON array; `__BATCH__` makes every request's event ids unique. */
function eventsTemplate(): string {
  const now = Date.now();
  const types = ['created', 'assigned', 'agent_replied', 'customer_replied', 'resolved'];
  const events = Array.from({ length: BATCH }, (_, i) => ({
    event_id: `bench-__BATCH__-${i}`,
    ticket_id: `T-__BATCH__-${Math.floor(i / 5)}`,
    type: types[i % types.length],
    occurred_at: new Date(now - (BATCH - i) * 1000).toISOString(),
    channel: 'email',
    priority: i % 10 === 0 ? 'urgent' : 'normal',
    team: ['billing', 'tech', 'accounts'][i % 3],
    agent_id: `agent-${i % 40}`,
    customer_id: `C-${i % 500}`,
    subject: `Cannot log in after the update (${i})`,
    body: 'Hello, since this morning the app says my password is wrong although I reset it twice. Please help.',
  }));
  return JSON.stringify(events);
}

function parseArgs(argv: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out[a.slice(2)] = next;
      i++;
    } else out[a.slice(2)] = true;
  }
  return out;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

