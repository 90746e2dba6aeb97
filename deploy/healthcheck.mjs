// Docker healthcheck for a TicketPulse role: healthy when the role's HTTP listener
// answers GET /readyz with 200 (ClickHouse reachable, migrations applied, and the
// role's own checks, e.g. the Kafka brokers for ingest).
//
//   node deploy/healthcheck.mjs [port] [path]     (default: $PORT or 8080, /readyz)
const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
const path = process.argv[3] ?? '/readyz';
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
