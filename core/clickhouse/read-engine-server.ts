// Analysts' statements on a ClickHouse server: readonly = 1 and the limits travel as
// HTTP settings of each request, so the server applies them before it parses the
// statement; nothing is set for the session.
import type { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { EngineCatalogue } from './sql-policy.ts';
import type { QueryParams } from './sql-guard.ts';
import { Gate, enforcedSettings, type EngineConcurrency, type Lane, type ReadEngine, type RunOptions } from './read-engine.ts';

/** Parse-only calls run read-only too, and short. */
const PARSE_SETTINGS = { readonly: '1', max_execution_time: 10 } as unknown as ClickHouseSettings;

export class ServerReadEngine implements ReadEngine {
  readonly mode = 'server' as const;
  private readonly gates: Record<Lane, Gate>;

  constructor(
    private readonly client: ClickHouseClient,
    readonly database: string,
    concurrency: EngineConcurrency,
  ) {
    this.gates = {
      sql: new Gate(concurrency.sql.maxConcurrent, concurrency.sql.maxQueued, 'SQL queries'),
      export: new Gate(concurrency.export.maxConcurrent, concurrency.export.maxQueued, 'exports'),
    };
  }

  async formatSingleLine(sql: string): Promise<string> {
    const rs = await this.client.query({
      query: 'SELECT formatQuerySingleLine({q:String}) AS q',
      query_params: { q: sql },
      format: 'JSONEachRow',
      clickhouse_settings: PARSE_SETTINGS,
    });
    const rows = await rs.json<{ q: string }>();
    return rows[0]?.q ?? '';
  }

  async explainAst(sql: string, params?: QueryParams): Promise<string[]> {
    // exec, not query: query() appends its own FORMAT clause, which would clash with one in `sql`.
    const text = await this.execText(`EXPLAIN AST ${sql}`, params, { ...PARSE_SETTINGS, default_format: 'JSONEachRow' } as ClickHouseSettings);
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => (JSON.parse(l) as { explain: string }).explain);
  }

  async catalogue(): Promise<EngineCatalogue> {
    const functions = await (
      await this.client.query({ query: 'SELECT name, alias_to, toString(origin) AS origin FROM system.functions', format: 'JSONEachRow', clickhouse_settings: PARSE_SETTINGS })
    ).json<{ name: string; alias_to: string; origin: string }>();
    const formats = await (
      await this.client.query({ query: 'SELECT name FROM system.formats WHERE is_output', format: 'JSONEachRow', clickhouse_settings: PARSE_SETTINGS })
    ).json<{ name: string }>();
    return { functions, outputFormats: formats.map((f) => f.name) };
  }

  async run(sql: string, opts: RunOptions): Promise<Buffer> {
    const release = await this.gates[opts.lane ?? 'sql'].acquire();
    try {
      const stream = await this.exec(sql, opts);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    } finally {
      release();
    }
  }

  async *stream(sql: string, opts: RunOptions): AsyncGenerator<Buffer> {
    const release = await this.gates[opts.lane ?? 'export'].acquire();
    let stream: Readable | null = null;
    try {
      stream = await this.exec(sql, opts);
      for await (const c of stream) yield c as Buffer;
    } finally {
      stream?.destroy();
      release();
    }
  }

  async close(): Promise<void> {
    // The client belongs to the process's ClickHouse connection, which closes it.
  }

  private async exec(sql: string, opts: RunOptions): Promise<Readable> {
    const settings = enforcedSettings(opts.limits, opts.settings);
    const res = await this.client.exec({
      query: sql,
      query_params: opts.params,
      clickhouse_settings: { ...stringify(settings), default_format: opts.format } as ClickHouseSettings,
    });
    return res.stream;
  }

  private async execText(sql: string, params: QueryParams | undefined, settings: ClickHouseSettings): Promise<string> {
    const res = await this.client.exec({ query: sql, query_params: params, clickhouse_settings: settings });
    const chunks: Buffer[] = [];
    for await (const c of res.stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}

function stringify(settings: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)]));
}
