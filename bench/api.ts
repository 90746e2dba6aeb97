// HTTP API under load: a TicketPulse API on embedded ClickHouse, started here, and
// autocannon in a second process (this file, re-run with --load) so the load
// generator does not share the server's event loop or CPU accounting.
//   1. GET /healthz — the baseline (routing, auth hook, headers, logging);
//   2. POST /v1/events with 1,000-event batches — events/s accepted end to end
//      (202 is sent once the batch is stored; the stored count is checked after);
//   3. POST /v1/sql with a 10-row query over ticket_events — guard + engine;
//   4. GET /v1/sla/compliance over --sla-tickets seeded tickets × 3 metrics in ticket_sla
//      (grouped by metric, team and priority over the last 24 h), twice: uncached (every
//      request sends `Cache-Control: no-cache`, so each one runs the query) and cached
//      (the same request from the response cache, api.complianceCacheSeconds = 10 s).
//      Before the runs, the answer is checked against the seeded rows and the cache is
//      checked to answer `X-Cache: hit`; the bench fails if either is wrong.
// Progress lines while each run goes; last line `RESULT api …`.
//   npm run bench:api [-- --duration 10 --connections 8 --sla-tickets 200000]
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
import { createSlaPort, parseSlaConfig } from '../processors/sla/index.ts';
import { openTestClickHouse } from '../tests/support/clickhouse.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const args = parseArgs(process.argv.slice(2));
const DURATION_S = Number(args.duration ?? 10);
const CONNECTIONS = Number(args.connections ?? 8);
const BATCH = 1_000;
const SLA_TICKETS = Number(args['sla-tickets'] ?? 200_000);
/** What a compliance dashboard asks every refresh; the key needs the `read` scope. */
const SLA_COMPLIANCE_PATH = '/v1/sla/compliance?from=24h&group_by=team,priority';

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
      sla: createSlaPort({ ch: t.ch, config: parseSlaConfig(undefined) }),
    },
  });
  const slaRows = await seedTicketSla(t.ch.client, SLA_TICKETS);
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

    await checkCompliance(url, auth, slaRows);
    results.slaUncached = await run(url, { name: 'sla-uncached', method: 'GET', path: SLA_COMPLIANCE_PATH, headers: { ...auth, 'cache-control': 'no-cache' } });
    results.slaCached = await run(url, { name: 'sla-cached', method: 'GET', path: SLA_COMPLIANCE_PATH, headers: auth });
  } finally {
    await server.close();
    await writer.close();
    await t.cleanup();
  }

  const h = results.healthz!;
  const e = results.events!;
  const s = results.sql!;
  const su = results.slaUncached!;
  const sc = results.slaCached!;
  say('');
  say(`healthz: ${fmt(h.ok / h.seconds)} req/s, p50 ${h.p50} ms, p99 ${h.p99} ms`);
  say(`events:  ${fmt((e.ok * BATCH) / e.seconds)} events/s (${fmt(e.ok / e.seconds)} batches/s of ${BATCH}), p50 ${e.p50} ms, p99 ${e.p99} ms, non-2xx ${e.non2xx}, errors ${e.errors}`);
  say(`sql:     ${fmt(s.ok / s.seconds)} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, non-2xx ${s.non2xx}`);
  say(`sla compliance over ${fmt(slaRows)} ticket_sla rows:`);
  say(`  uncached: ${fmt(su.ok / su.seconds)} req/s, p50 ${su.p50} ms, p99 ${su.p99} ms, non-2xx ${su.non2xx}`);
  say(`  cached:   ${fmt(sc.ok / sc.seconds)} req/s, p50 ${sc.p50} ms, p99 ${sc.p99} ms, non-2xx ${sc.non2xx}`);
  say(
    `RESULT api healthz_rps=${Math.round(h.ok / h.seconds)} healthz_p50_ms=${h.p50} healthz_p99_ms=${h.p99} ` +
      `events_per_s=${Math.round((e.ok * BATCH) / e.seconds)} events_batch_p50_ms=${e.p50} events_batch_p99_ms=${e.p99} ` +
      `sql_rps=${Math.round(s.ok / s.seconds)} sql_p50_ms=${s.p50} sql_p99_ms=${s.p99} ` +
      `sla_uncached_rps=${Math.round(su.ok / su.seconds)} sla_uncached_p50_ms=${su.p50} sla_uncached_p99_ms=${su.p99} ` +
      `sla_cached_rps=${Math.round(sc.ok / sc.seconds)} sla_cached_p50_ms=${sc.p50} sla_cached_p99_ms=${sc.p99} sla_rows=${slaRows}`,
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

/**
 * `tickets` decided tickets × 3 metrics straight into ticket_sla (the SLA processor's
 * output table), decided over the last 23 h, across 5 teams and 4 priorities, about 80 %
 * met: what the compliance query reads (FINAL, a 24 h window). Returns the rows in the window.
 */
async function seedTicketSla(client: Awaited<ReturnType<typeof openTestClickHouse>>['ch']['client'], tickets: number): Promise<number> {
  const started = Date.now();
  await client.command({
    query: `
      INSERT INTO ticket_sla (ticket_id, metric, version, computed_at, evaluated_at, source, created_at, tenant, team, priority, category,
                              channel, customer_tier, status, policy, calendar, state, clock, target_minutes, elapsed_minutes,
                              paused_minutes, started_at, deadline, met_at, breached_at, decided_at)
      SELECT concat('BENCH-', toString(n)) AS ticket_id, metric, 1, now64(3), now64(3), 'bench',
             decided - toIntervalMinute(elapsed) AS created_at, 'acme',
             ['billing', 'tech', 'accounts', 'shipping', 'returns'][n % 5 + 1],
             ['low', 'normal', 'high', 'urgent'][intDiv(n, 5) % 4 + 1],
             'outage', 'email', 'standard', 'solved', 'default', 'default',
             if(cityHash64(n, metric) % 10 < 8, 'met', 'breached') AS state, 'stopped', 60,
             toFloat64(elapsed), 0, created_at, created_at + toIntervalMinute(60),
             if(state = 'met', decided, NULL), if(state = 'breached', created_at + toIntervalMinute(60), NULL), decided
      FROM (
        SELECT number AS n, arrayJoin(['first_response', 'next_reply', 'resolution']) AS metric,
               now64(3) - toIntervalSecond(n % 82800) AS decided,
               toUInt32(cityHash64(n, metric) % 120) + if(cityHash64(n, metric) % 10 < 8, 0, 60) AS elapsed
        FROM numbers({tickets:UInt64})
      )`,
    query_params: { tickets },
  });
  const rows = await (await client.query({ query: "SELECT count() AS c FROM ticket_sla FINAL WHERE state IN ('met', 'breached') AND decided_at >= now64(3) - INTERVAL 24 HOUR", format: 'JSONEachRow' })).json<{ c: string }>();
  const n = Number(rows[0]?.c ?? 0);
  say(`ticket_sla: ${fmt(n)} decided rows seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return n;
}

/** The compliance answer counts every seeded row, and a repeat comes from the cache; else the bench stops. */
async function checkCompliance(url: string, auth: Record<string, string>, expected: number): Promise<void> {
  const fresh = await fetch(`${url}${SLA_COMPLIANCE_PATH}`, { headers: { ...auth, 'cache-control': 'no-cache' } });
  if (fresh.status !== 200) throw new Error(`GET ${SLA_COMPLIANCE_PATH} answered ${fresh.status}: ${await fresh.text()}`);
  const body = (await fresh.json()) as { rows: Array<{ decided: number }> };
  const decided = body.rows.reduce((sum, r) => sum + r.decided, 0);
  if (decided !== expected) throw new Error(`compliance counts ${decided} decided metrics, ticket_sla holds ${expected}`);
  const again = await fetch(`${url}${SLA_COMPLIANCE_PATH}`, { headers: auth });
  await again.arrayBuffer();
  if (fresh.headers.get('x-cache') !== 'bypass' || again.headers.get('x-cache') !== 'hit') {
    throw new Error(`compliance cache: expected bypass then hit, got ${fresh.headers.get('x-cache')} then ${again.headers.get('x-cache')}`);
  }
  say(`sla: compliance answer checked (${fmt(decided)} decided metrics in ${body.rows.length} groups; a repeat is a cache hit)`);
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

