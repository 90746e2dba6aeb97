// Analysts' read-only SQL: the guard decides, the engine runs with readonly = 1 and
// the configured limits. One instance per process, shared by POST /v1/sql, the
// ClickHouse-compatible endpoint, Arrow exports and `ticketpulse query`.
import type { ExportConfig, SqlLimitsConfig } from '../config/index.ts';
import { TicketPulseError } from '../errors.ts';
import type { ClickHouse } from './connection.ts';
import { queryError } from './engine-error.ts';
import { buildExportQuery, exportTable, type ExportColumn, type ExportRequest } from './export-tables.ts';
import { EmbeddedReadEngine } from './read-engine-embedded.ts';
import { ServerReadEngine } from './read-engine-server.ts';
import type { ReadEngine, RunLimits } from './read-engine.ts';
import { READ_FORMATS, parseJsonCompact, type ReadFormat, type ReadResult } from './read-query.ts';
import { SqlGuard, type QueryParams, type Verdict } from './sql-guard.ts';

export interface AnalystSqlOptions {
  sql: SqlLimitsConfig;
  export: ExportConfig;
}

/** Output settings per API format: plain numbers in JSON (as the embedded engine defaults to), uncompressed Arrow (apache-arrow in JS has no codecs). */
const FORMAT_SETTINGS: Record<ReadFormat, Record<string, string | number>> = {
  json: { output_format_json_quote_64bit_integers: 0 },
  csv: {},
  arrow: { output_format_arrow_compression_method: 'none' },
};

export interface CompatibleRequest {
  /** Format name when the statement has no FORMAT clause (checked against the formats offered). */
  defaultFormat: string;
  params?: QueryParams;
  /** Settings from the request, already vetted by the caller (output-format settings, lower limits). */
  settings?: Record<string, string | number>;
}

export class AnalystSql {
  readonly guard: SqlGuard;
  readonly limits: Required<RunLimits>;
  private readonly exportLimits: RunLimits;
  private versionText: Promise<string> | null = null;

  constructor(
    readonly engine: ReadEngine,
    opts: AnalystSqlOptions,
  ) {
    this.guard = new SqlGuard(engine, opts.sql.maxQueryBytes);
    this.limits = {
      maxExecutionSeconds: opts.sql.maxExecutionSeconds,
      maxResultRows: opts.sql.maxResultRows,
      maxResultBytes: opts.sql.maxResultBytes,
      maxMemoryBytes: opts.sql.maxMemoryBytes,
    };
    this.exportLimits = { maxExecutionSeconds: opts.export.maxExecutionSeconds, maxMemoryBytes: opts.export.maxMemoryBytes };
  }

  get mode() {
    return this.engine.mode;
  }

  async json(sql: string, params?: QueryParams): Promise<ReadResult> {
    return parseJsonCompact(await this.run(sql, 'json', params));
  }

  /** Runs a checked statement and returns the result in one of the API's formats. */
  async run(sql: string, format: ReadFormat, params?: QueryParams): Promise<Buffer> {
    const verdict = await this.guard.check(sql, { params });
    return this.execute(verdict, { format: READ_FORMATS[format], params, settings: FORMAT_SETTINGS[format] });
  }

  /** ClickHouse HTTP semantics: a FORMAT clause wins over the default format. */
  async compatible(sql: string, req: CompatibleRequest): Promise<{ body: Buffer; format: string; verdict: Verdict }> {
    const verdict = await this.guard.check(sql, { params: req.params, allowFormat: true });
    // Like ClickHouse: default_format matters only when there is no FORMAT clause.
    const format = verdict.format ?? (await this.guard.resolveFormat(req.defaultFormat));
    const body = await this.execute(verdict, { format, params: req.params, settings: req.settings });
    return { body, format, verdict };
  }

  /**
   * Checks the export request, then returns its Arrow IPC stream. Errors in the
   * request (unknown table or column) throw here, before any byte is produced.
   */
  async exportArrow(name: string, req: ExportRequest): Promise<AsyncIterable<Buffer>> {
    const table = exportTable(name);
    if (!table) throw new TicketPulseError('not_found', `no export named ${name}`, { field: 'table' });
    const columns = await this.columnsOf(table.table);
    if (columns.length === 0) throw new TicketPulseError('not_found', `table ${table.table} does not exist (yet)`, { field: 'table' });
    const { sql, params } = buildExportQuery(table, columns, req);
    const stream = this.engine.stream(sql, { format: 'ArrowStream', params, limits: this.exportLimits, settings: FORMAT_SETTINGS.arrow, lane: 'export' });
    const limits = { ...this.limits, ...this.exportLimits };
    return (async function* () {
      try {
        yield* stream;
      } catch (err) {
        throw queryError(err, limits, 'table');
      }
    })();
  }

  /** The engine's version string (ClickHouse clients show it). */
  async version(): Promise<string> {
    this.versionText ??= this.engine
      .run('SELECT version()', { format: 'TabSeparatedRaw', limits: this.limits, lane: 'sql' })
      .then((b) => b.toString('utf8').trim())
      .catch(() => 'unknown');
    return this.versionText;
  }

  async columnsOf(table: string): Promise<ExportColumn[]> {
    const body = await this.engine.run(
      "SELECT name, type, default_kind FROM system.columns WHERE database = currentDatabase() AND table = {t:String} AND default_kind != 'EPHEMERAL' ORDER BY position",
      { format: 'JSONEachRow', params: { t: table }, limits: this.limits, lane: 'sql' },
    );
    return body
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ExportColumn & { default_kind: string })
      .filter((c) => c.default_kind === '' || c.default_kind === 'DEFAULT')
      .map((c) => ({ name: c.name, type: c.type }));
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  private async execute(verdict: Verdict, o: { format: string; params?: QueryParams; settings?: Record<string, string | number> }): Promise<Buffer> {
    try {
      return await this.engine.run(verdict.sql, { format: o.format, params: o.params, limits: this.limits, settings: o.settings, lane: 'sql' });
    } catch (err) {
      throw queryError(err, this.limits);
    }
  }
}

export function createAnalystSql(ch: ClickHouse, opts: AnalystSqlOptions): AnalystSql {
  const concurrency = {
    sql: { maxConcurrent: opts.sql.maxConcurrent, maxQueued: opts.sql.maxQueued },
    export: { maxConcurrent: opts.export.maxConcurrent, maxQueued: 0 },
  };
  const engine: ReadEngine =
    ch.mode === 'embedded' && ch.dataPath ? new EmbeddedReadEngine(ch.dataPath, ch.database, concurrency) : new ServerReadEngine(ch.client, ch.database, concurrency);
  return new AnalystSql(engine, opts);
}
