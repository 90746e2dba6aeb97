// One role per process, to scale out (docs/deploy.md): `processors` runs the
// scheduled processors and alert delivery, `api` serves the HTTP API and HTTP ingest
// reading what the processors publish. `ingest` (Kafka) lives in ingest.ts.
import { Option, type Command } from 'commander';
import { sharedMetricsRegistry } from '../../core/metrics.ts';
import { migrationsApplied } from '../../core/schema/index.ts';
import { configFrom, intArg } from '../options.ts';
import { onShutdownSignal, startRuntime, type RuntimeOptions } from '../runtime.ts';
import { startStatusServer } from '../status-server.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

export function registerRoleCommands(program: Command): void {
  program
    .command('processors')
    .description('run the processors (SLA, surges, root causes, agents) and alert delivery, without the API; /metrics, /healthz and /readyz on a small HTTP listener')
    .option('--metrics-host <host>', 'address of the /metrics listener (default: api.host)')
    .addOption(new Option('--metrics-port <port>', 'port of the /metrics, /healthz and /readyz listener (0: any free port)').argParser(intArg('--metrics-port')).default(9464))
    .option('--no-metrics', 'no HTTP listener')
    .action(async (opts: StatusListenerOptions, cmd: Command) => {
      await runRole(
        configFrom(cmd),
        { command: 'processors', api: false, processors: true, onAlert: (a) => say(`ALERT ${a.severity} ${a.kind}: ${a.summary}`) },
        opts,
      );
    });

  program
    .command('api')
    .description('serve the HTTP API and HTTP ingest, reading what the processors publish')
    .option('--port <port>', 'API port (env PORT)', intArg('--port'))
    .action(async (opts: { port?: number }, cmd: Command) => {
      await runRole(configFrom(cmd, { 'api.port': opts.port }), { command: 'api', api: true, processors: false });
    });
}

interface StatusListenerOptions {
  metricsHost?: string;
  metricsPort: number;
  metrics: boolean;
}

async function runRole(config: Parameters<typeof startRuntime>[0], opts: RuntimeOptions, listener?: StatusListenerOptions): Promise<void> {
  const rt = await startRuntime(config, opts);
  // A role without the API still needs /readyz for its container healthcheck.
  const status =
    listener?.metrics && !rt.apiUrl
      ? await startStatusServer({
          host: listener.metricsHost ?? config.api.host,
          port: listener.metricsPort,
          registry: sharedMetricsRegistry(),
          checks: [
            { name: 'clickhouse', check: () => rt.ch.ping() },
            { name: 'migrations', check: () => migrationsApplied(rt.ch) },
          ],
        })
      : null;
  say(`ticketpulse ${opts.command} running${rt.apiUrl ? ` — API ${rt.apiUrl}` : ''}${status ? ` — metrics at ${status.url}/metrics` : ''} (Ctrl-C stops)`);
  await new Promise<void>((resolve, reject) => {
    onShutdownSignal(async (signal) => {
      say(`${signal}: stopping…`);
      await status?.close();
      return rt.stop().then(resolve, reject);
    });
  });
}
