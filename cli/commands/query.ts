// `ticketpulse query "<SQL>"`: read-only SQL against the embedded engine or a server,
// with the same guard and limits as POST /v1/sql. chDB allows one process per data
// directory, so when a running TicketPulse holds it, the query goes to that
// process's API instead (with --api-key / TICKETPULSE_API_KEY when it has keys).
import { createAnalystSql, openClickHouse, readOwner, toCsv, type ReadResult } from '../../core/clickhouse/index.ts';
import type { Config } from '../../core/config/index.ts';
import { TicketPulseError } from '../../core/errors.ts';

export type QueryOutput = 'table' | 'csv' | 'json';

export interface QueryCommandOptions {
  /** Bearer key for a running process's API. */
  apiKey?: string;
}

export async function queryCommand(config: Config, sql: string, format: QueryOutput, out: (s: string) => void, opts: QueryCommandOptions = {}): Promise<void> {
  const result = await runQuery(config, sql, opts);
  out(render(result, format));
}

async function runQuery(config: Config, sql: string, opts: QueryCommandOptions): Promise<ReadResult> {
  if (!config.clickhouse.url) {
    const owner = readOwner(config.dataDir);
    if (owner && owner.pid !== process.pid) {
      if (!owner.apiUrl) {
        throw new TicketPulseError(
          'data_dir_locked',
          `the data directory ${config.dataDir} is held by process ${owner.pid} (ticketpulse ${owner.command}), which serves no API; stop it or query through its API`,
        );
      }
      return queryViaApi(owner.apiUrl, sql, opts.apiKey, `process ${owner.pid} (ticketpulse ${owner.command})`);
    }
  }
  const ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir: config.dataDir, command: 'query' });
  const analyst = createAnalystSql(ch, { sql: config.api.sql, export: config.api.export });
  try {
    return await analyst.json(sql);
  } finally {
    await analyst.close();
    await ch.close();
  }
}

async function queryViaApi(apiUrl: string, sql: string, apiKey: string | undefined, holder: string): Promise<ReadResult> {
  const res = await fetch(`${apiUrl}/v1/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ query: sql, format: 'json' }),
  }).catch((err: unknown) => {
    throw new TicketPulseError('clickhouse_unavailable', `the data directory is held by ${holder}, whose API at ${apiUrl} did not answer: ${(err as Error).message}`);
  });
  const body = (await res.json()) as ReadResult & { error?: { code: string; message: string } };
  if (!res.ok) {
    const code = res.status === 401 ? 'unauthorized' : res.status === 403 ? 'forbidden' : res.status >= 500 ? 'clickhouse_unavailable' : 'bad_request';
    const hint = res.status === 401 ? ' (pass --api-key or set TICKETPULSE_API_KEY)' : '';
    throw new TicketPulseError(code, `${body.error?.message ?? `HTTP ${res.status}`}${hint}`);
  }
  return body;
}

export function render(result: ReadResult, format: QueryOutput): string {
  if (format === 'json') {
    const rows = result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, r[i]])));
    return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  }
  if (format === 'csv') return toCsv(result);
  return renderTable(result);
}

function renderTable(result: ReadResult): string {
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const header = result.columns.map((c) => c.name);
  const body = result.rows.map((r) => r.map(cell));
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...body.map((r) => r[i].length))));
  const numeric = result.columns.map((c) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(c.type));
  const fit = (s: string, i: number) => {
    const t = s.length > widths[i] ? `${s.slice(0, widths[i] - 1)}…` : s;
    return numeric[i] ? t.padStart(widths[i]) : t.padEnd(widths[i]);
  };
  const line = (cells: string[]) => cells.map(fit).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const rows = body.map(line);
  return [line(header), rule, ...rows, `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`].join('\n') + '\n';
}
