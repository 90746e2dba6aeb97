// `ticketpulse keys`: API keys. Keys live in the configuration as hashes only, so
// `create` prints the new key once, with the entry to add under api.auth.keys;
// nothing is written anywhere (configuration is a file the operator owns).
import { Command, InvalidArgumentError } from 'commander';
import { stringify as toYaml } from 'yaml';
import { generateApiKey } from '../../api/index.ts';
import { API_SCOPES, type ApiScope } from '../../core/config/index.ts';
import { configFrom } from '../options.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('API keys: create one, list the configured ones, revoke');

  keys
    .command('create')
    .description('create an API key: prints the key once, and the entry to add under api.auth.keys')
    .requiredOption('--scopes <list>', `comma-separated scopes: ${API_SCOPES.join(', ')}`, parseScopes)
    .option('--name <name>', 'who or what uses the key (shown in logs and `keys list`)')
    .option('--expires <date>', 'ISO-8601 instant after which the key is refused', parseInstant)
    .action((opts: { scopes: ApiScope[]; name?: string; expires?: string }) => {
      const { key, entry } = generateApiKey(opts.scopes, opts.name);
      const stored = { ...entry, ...(opts.expires ? { expiresAt: opts.expires } : {}) };
      delete (stored as { revoked?: boolean }).revoked;
      say(`API key (shown once; store it in the client's secret store):\n\n  ${key}\n`);
      say('Add this entry under api.auth.keys in ticketpulse.config.yaml (only a hash of the secret is stored):\n');
      say(indent(toYaml({ api: { auth: { keys: [stored] } } })));
      say(`Clients send it as "Authorization: Bearer ${key.slice(0, 12)}…"; ClickHouse clients as the password.`);
    });

  keys
    .command('list')
    .description('list the keys in the configuration (never the secrets)')
    .action((_opts, cmd: Command) => {
      const entries = configFrom(cmd).api.auth.keys;
      if (entries.length === 0) {
        say('no API keys configured: the API runs open on loopback only (ticketpulse keys create --scopes …)');
        return;
      }
      const now = Date.now();
      for (const e of entries) {
        const state = e.revoked ? 'revoked' : e.expiresAt && Date.parse(e.expiresAt) <= now ? 'expired' : 'active';
        say(`${e.id}  ${state.padEnd(7)}  ${e.scopes.join(',').padEnd(22)}  ${e.name ?? ''}${e.expiresAt ? `  (expires ${e.expiresAt})` : ''}`);
      }
    });

  keys
    .command('revoke')
    .description('how to revoke a key (configuration is yours to edit)')
    .argument('<id>', 'the key id (the part after tp_)')
    .action((id: string, _opts, cmd: Command) => {
      const entry = configFrom(cmd).api.auth.keys.find((e) => e.id === id);
      if (!entry) {
        say(`no key ${id} in the configuration; nothing to revoke`);
        process.exitCode = 1;
        return;
      }
      say(`Set "revoked: true" on the entry with id ${id} under api.auth.keys (or delete the entry), then restart the API.`);
      say('A revoked key is answered 401, exactly like an unknown one.');
    });
}

function parseScopes(value: string): ApiScope[] {
  const scopes = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || bad.length > 0) throw new InvalidArgumentError(`scopes must be a comma-separated list of ${API_SCOPES.join(', ')}${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}`);
  return scopes as ApiScope[];
}

function parseInstant(value: string): string {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new InvalidArgumentError('--expires must be an ISO-8601 instant, e.g. 2027-01-01T00:00:00Z');
  return new Date(t).toISOString();
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n') + '\n';
}
