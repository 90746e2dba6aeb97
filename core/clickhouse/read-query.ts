// Result shapes of analysts' read-only SQL, shared by POST /v1/sql and `ticketpulse query`.
// Running a statement (guard, engine, limits) is analyst-sql.ts.

export type ReadFormat = 'json' | 'csv' | 'arrow';

export interface ReadResult {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}

/** ClickHouse format names behind the API's format names. */
export const READ_FORMATS: Record<ReadFormat, string> = {
  json: 'JSONCompact',
  csv: 'CSVWithNames',
  arrow: 'ArrowStream',
};

export function parseJsonCompact(body: Buffer | string): ReadResult {
  const out = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as { meta: Array<{ name: string; type: string }>; data: unknown[][] };
  return { columns: out.meta.map((m) => ({ name: m.name, type: m.type })), rows: out.data };
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
