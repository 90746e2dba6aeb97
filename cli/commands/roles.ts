// One role per process, to scale out (docs/deploy.md): `processors` runs the
// scheduled processors and alert delivery, `api` serves the HTTP API and HTTP ingest
// reading what the processors publish. `ingest` (Kafka) lives in ingest.ts.
import type { Command } from 'commander';
import { configFrom, intArg } from '../options.ts';
import { onShutdownSignal, startRuntime, type RuntimeOptions } from '../runtime.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

export function registerRoleCommands(program: Command): void {
  program
    .command('processors')
    .description('run the processors (SLA, surges, root causes, agents) and alert delivery, without the API')
    .action(async (_opts: unknown, cmd: Command) => {
      await runRole(configFrom(cmd), { command: 'processors', api: false, processors: true, onAlert: (a) => say(`ALERT ${a.severity} ${a.kind}: ${a.summary}`) });
    });

  program
    .command('api')
    .description('serve the HTTP API and HTTP ingest, reading what the processors publish')
    .option('--port <port>', 'API port (env PORT)', intArg('--port'))
    .action(async (opts: { port?: number }, cmd: Command) => {
      await runRole(configFrom(cmd, { 'api.port': opts.port }), { command: 'api', api: true, processors: false });
    });
}

async function runRole(config: Parameters<typeof startRuntime>[0], opts: RuntimeOptions): Promise<void> {
  const rt = await startRuntime(config, opts);
  say(`ticketpulse ${opts.command} running${rt.apiUrl ? ` — API ${rt.apiUrl}` : ''} (Ctrl-C stops)`);
  await new Promise<void>((resolve, reject) => {
    onShutdownSignal((signal) => {
      say(`${signal}: stopping…`);
      return rt.stop().then(resolve, reject);
    });
  });
}
