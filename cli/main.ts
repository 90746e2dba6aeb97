// The `ticketpulse` command.
import { Command, Option } from 'commander';
import { ConfigError } from '../core/config/index.ts';
import { isTicketPulseError } from '../core/errors.ts';
import { registerKeysCommand } from './commands/keys.ts';
import { registerAlertsCommand } from './commands/alerts.ts';
import { registerAgentsCommand } from './commands/agents.ts';
import { registerIngestCommand } from './commands/ingest.ts';
import { registerSlaCommand } from './commands/sla.ts';
import { registerRoleCommands } from './commands/roles.ts';
import { migrateCommand } from './commands/migrate.ts';
import { queryCommand, type QueryOutput } from './commands/query.ts';
import { registerRunCommands } from './commands/run.ts';
import { configFrom } from './options.ts';

const out = (s: string) => process.stdout.write(s);

const program = new Command('ticketpulse')
  .description('Analytics and SLA monitoring for customer-service tickets')
  .option('-c, --config <file>', 'config file (default: ./ticketpulse.config.yaml if present; env TICKETPULSE_CONFIG)')
  .option('--data-dir <dir>', 'data directory for the embedded engine (env TICKETPULSE_DATA_DIR)')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
  .showHelpAfterError();

program
  .command('migrate')
  .description('apply schema migrations (idempotent)')
  .action(async (_opts, cmd: Command) => migrateCommand(configFrom(cmd), out));

program
  .command('query')
  .description('run a read-only SQL query and print the result')
  .argument('<sql>', 'the query, e.g. "SELECT type, count() FROM ticket_events GROUP BY type"')
  .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
  .addOption(new Option('--api-key <key>', "API key for a running process's API").env('TICKETPULSE_API_KEY'))
  .action(async (sql: string, opts: { format: QueryOutput; apiKey?: string }, cmd: Command) => queryCommand(configFrom(cmd), sql, opts.format, out, { apiKey: opts.apiKey }));

registerRunCommands(program);
registerKeysCommand(program);
registerAlertsCommand(program);
registerAgentsCommand(program);
registerIngestCommand(program);
registerSlaCommand(program);
registerRoleCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (isTicketPulseError(err)) {
    process.stderr.write(`error (${err.code}): ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
