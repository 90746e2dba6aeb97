// Read-only ad-hoc SQL for `ticketpulse query` and POST /v1/sql.
//
// Stop-gap guard: a single statement whose first keyword reads, with no SETTINGS,
// no INTO OUTFILE and no table function that reaches outside the database. The
// engine-enforced version (readonly profile, limits, Arrow) is the API issue's work.
import { TicketPulseError, errorMessage } from '../errors.ts';
import type { ClickHouse } from './connection.ts';

export type ReadFormat = 'json' | 'csv';

export interface ReadResult {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}

const READ_KEYWORDS = /^(select|with|show|describe|desc|explain|exists)\b/i;
const OUTSIDE_FUNCTIONS =
  /\b(file|filecluster|url|urlcluster|s3|s3cluster|gcs|cosn|oss|azureblobstorage|azureblobstoragecluster|hdfs|hdfscluster|remote|remotesecure|cluster|clusterallreplicas|mysql|postgresql|mongodb|redis|sqlite|jdbc|odbc|executable|executablepool|input|dictionary|deltalake|iceberg|icebergs3|hudi|python|arrowflight|ytsaurus)\s*\(/i;

export function checkReadOnlySql(sql: string): string {
  const text = stripComments(sql).trim().replace(/;\s*$/, '');
  if (text.length === 0) throw new TicketPulseError('bad_request', 'the query is empty', { field: 'query' });
  if (text.includes(';')) throw new TicketPulseError('bad_request', 'one statement per query', { field: 'query' });
  if (!READ_KEYWORDS.test(text)) {
    throw new TicketPulseError('forbidden', 'only read queries are allowed (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS)', { field: 'query' });
  }
  const fn = OUTSIDE_FUNCTIONS.exec(text);
  if (fn) throw new TicketPulseError('forbidden', `table function ${fn[1]}() reaches outside the database and is not allowed`, { field: 'query' });
  if (/\bsettings\b/i.test(text)) throw new TicketPulseError('forbidden', 'SETTINGS are not allowed in ad-hoc queries', { field: 'query' });
  if (/\binto\s+outfile\b/i.test(text)) throw new TicketPulseError('forbidden', 'INTO OUTFILE is not allowed', { field: 'query' });
  if (/\bformat\s+\w+\s*$/i.test(text)) throw new TicketPulseError('bad_request', 'leave out FORMAT; choose the output format with --format', { field: 'query' });
  return text;
}

export async function runReadQuery(ch: ClickHouse, sql: string): Promise<ReadResult> {
  const text = checkReadOnlySql(sql);
  try {
    const rs = await ch.client.query({ query: text, format: 'JSONCompact' });
    const out = (await rs.json()) as unknown as { meta: Array<{ name: string; type: string }>; data: unknown[][] };
    return { columns: out.meta, rows: out.data };
  } catch (err) {
    throw new TicketPulseError('bad_request', `query failed: ${errorMessage(err).split('\n')[0]}`, { field: 'query', cause: err });
  }
}

export function toCsv(result: ReadResult): string {
  const esc = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [result.columns.map((c) => esc(c.name)).join(',')];
  for (const row of result.rows) lines.push(row.map(esc).join(','));
  return lines.join('\n') + '\n';
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}
