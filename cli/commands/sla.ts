// `ticketpulse sla recompute [--since DATE] [--open-only]` and `ticketpulse sla backfill`:
// replay the raw events under the SLA rules in force and write new ticket_sla
// versions, with progress lines. When a running TicketPulse holds the embedded data
// directory (one process per directory), the replay runs inside that process through
// its API (POST /v1/sla/recompute) instead.
import type { Command } from 'commander';
import { calendarDateExists } from '../../api/query-params.ts';
import { readOwner } from '../../core/clickhouse/index.ts';
import type { Config } from '../../core/config/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import { Progress, fmt } from '../../core/progress.ts';
import { SlaProcessor, parseSlaConfig, type SlaConfig, type SlaRunReport } from '../../processors/sla/index.ts';
import { configFrom } from '../options.ts';
import { openAndMigrate } from '../runtime.ts';

export interface SlaRecomputeOptions {
  since?: number;
  openOnly?: boolean;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** --since: a date (UTC midnight) or ISO-8601 with an offset. */
export function parseSinceArg(text: string): number {
  const t = text.trim();
  let ms = DATE_ONLY.test(t) ? Date.parse(`${t}T00:00:00Z`) : ISO_WITH_OFFSET.test(t) ? Date.parse(t) : NaN;
  if (!calendarDateExists(t)) ms = NaN;
  if (Number.isNaN(ms)) throw new TicketPulseError('bad_request', `--since: expected a date (2026-03-01) or ISO-8601 with an offset (2026-03-01T08:00:00Z), got ${JSON.stringify(text)}`, { field: 'since' });
  return ms;
}

export function registerSlaCommand(program: Command): void {
  const sla = program.command('sla').description('SLA state: replay raw events under the rules in force');
  sla
    .command('recompute')
    .description('recompute ticket_sla from the raw events (after a policy or calendar change); writes new versions')
    .option('--since <date>', 'only tickets with events at or after this date (YYYY-MM-DD, UTC) or instant (ISO-8601)')
    .option('--open-only', 'only tickets that are not solved or closed')
    .action(async (opts: { since?: string; openOnly?: boolean }, cmd: Command) => {
      const options: SlaRecomputeOptions = { openOnly: opts.openOnly === true };
      if (opts.since !== undefined) options.since = parseSinceArg(opts.since);
      await slaRecomputeCommand(configFrom(cmd), options, (s) => process.stdout.write(s));
    });
  sla
    .command('backfill')
    .description('compute ticket_sla for every ticket in the raw log (first start, or a full rebuild)')
    .action(async (_opts: unknown, cmd: Command) => {
      await slaRecomputeCommand(configFrom(cmd), {}, (s) => process.stdout.write(s));
    });
}

/** The `sla` section, read through a cast so this compiles before and after it joins ConfigSchema. */
export function slaSection(config: Config): SlaConfig {
  return parseSlaConfig((config as unknown as { sla?: unknown }).sla);
}

export async function slaRecomputeCommand(config: Config, opts: SlaRecomputeOptions, out: (s: string) => void): Promise<SlaRunReport> {
  const sla = slaSection(config);
  const what = opts.since === undefined && !opts.openOnly ? 'backfill' : 'recompute';
  if (!config.clickhouse.url) {
    const owner = readOwner(config.dataDir);
    if (owner && owner.pid !== process.pid) {
      if (!owner.apiUrl) {
        throw new TicketPulseError(
          'data_dir_locked',
          `the data directory ${config.dataDir} is held by process ${owner.pid} (ticketpulse ${owner.command}), which serves no API; stop it or run the ${what} there`,
        );
      }
      out(`the data directory is held by process ${owner.pid}; running the ${what} there through ${owner.apiUrl} …\n`);
      const report = await recomputeViaApi(owner.apiUrl, opts);
      out(summary(what, report));
      return report;
    }
  }
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const ch = await openAndMigrate(config, `sla ${what}`, log);
  const processor = new SlaProcessor({ ch, config: sla, log });
  const bar: { progress: Progress | null; done: number } = { progress: null, done: 0 };
  try {
    const report = await processor.recompute({
      since: opts.since,
      openOnly: opts.openOnly,
      onProgress: (done, total) => {
        // Progress counts increments; the processor reports totals so far.
        bar.progress ??= new Progress({ label: `sla ${what}`, total, unit: 'tickets', write: (line) => out(`${line}\n`) });
        bar.progress.tick(done - bar.done);
        bar.done = done;
      },
    });
    bar.progress?.finish();
    out(summary(what, report));
    return report;
  } finally {
    await processor.close();
    await ch.close();
  }
}

function summary(what: string, r: SlaRunReport): string {
  const secs = (r.durationMs / 1000).toFixed(1);
  return (
    `sla ${what}: ${fmt(r.tickets)} tickets, ${fmt(r.rows)} ticket_sla rows written (${fmt(r.breached)} breached metrics) in ${secs} s` +
    `${r.chunks > 0 ? `, ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}` : ''}\n`
  );
}

async function recomputeViaApi(apiUrl: string, opts: SlaRecomputeOptions): Promise<SlaRunReport> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = process.env.TICKETPULSE_API_KEY;
  if (key) headers.authorization = `Bearer ${key}`;
  const body: Record<string, unknown> = {};
  if (opts.since !== undefined) body.since = new Date(opts.since).toISOString();
  if (opts.openOnly) body.open_only = true;
  const res = await fetch(`${apiUrl}/v1/sla/recompute`, { method: 'POST', headers, body: JSON.stringify(body) }).catch((err: unknown) => {
    throw new TicketPulseError('clickhouse_unavailable', `the data directory is held by the process serving ${apiUrl}, which did not answer: ${errorMessage(err)}`);
  });
  const json = (await res.json()) as { tickets: number; rows: number; breached: number; chunks: number; duration_ms: number; error?: { message: string } };
  if (!res.ok) {
    const code = res.status === 401 ? 'unauthorized' : res.status === 403 ? 'forbidden' : res.status >= 500 ? 'clickhouse_unavailable' : 'bad_request';
    const hint = res.status === 401 || res.status === 403 ? ' (set TICKETPULSE_API_KEY to a key with the admin scope)' : '';
    throw new TicketPulseError(code, `${json.error?.message ?? `HTTP ${res.status}`}${hint}`);
  }
  return { tickets: json.tickets, rows: json.rows, breached: json.breached, chunks: json.chunks, durationMs: json.duration_ms };
}
