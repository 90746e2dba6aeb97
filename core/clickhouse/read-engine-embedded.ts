// Analysts' statements on the embedded engine: a fresh chDB session per statement on
// the process's data directory, so nothing a statement does can outlive it and a
// long query never holds up ingest (each same-path session is its own connection).
import { Session } from 'chdb';
import { TicketPulseError } from '../errors.ts';
import { ArrowStreamJoiner } from './arrow-ipc.ts';
import { quoteIdent } from './connection.ts';
import type { EngineCatalogue } from './sql-policy.ts';
import type { QueryParams } from './sql-guard.ts';
import { Gate, enforcedSettings, settingsClause, type EngineConcurrency, type Lane, type ReadEngine, type RunOptions } from './read-engine.ts';

export class EmbeddedReadEngine implements ReadEngine {
  readonly mode = 'embedded' as const;
  private parser: Session | null = null;
  private readonly gates: Record<Lane, Gate>;
  private readonly sessions = new Set<Session>();
  private closed = false;

  constructor(
    private readonly dataPath: string,
    readonly database: string,
    concurrency: EngineConcurrency,
  ) {
    this.gates = {
      sql: new Gate(concurrency.sql.maxConcurrent, concurrency.sql.maxQueued, 'SQL queries'),
      export: new Gate(concurrency.export.maxConcurrent, concurrency.export.maxQueued, 'exports'),
    };
  }

  async formatSingleLine(sql: string): Promise<string> {
    // The text travels as a bound parameter: parsed by the engine, never executed.
    const r = await (await this.parseSession()).queryBindAsync('SELECT formatQuerySingleLine({q:String}) AS q', { q: sql }, { format: 'JSONEachRow' });
    return (JSON.parse(r.text()) as { q: string }).q;
  }

  async explainAst(sql: string, params?: QueryParams): Promise<string[]> {
    const session = await this.parseSession();
    const text = `EXPLAIN AST ${sql}`;
    // One JSON row per parse-tree node: a row boundary cannot be forged from inside an identifier.
    const r = hasParams(params) ? await session.queryBindAsync(text, params!, { format: 'JSONEachRow' }) : await session.queryAsync(text, { format: 'JSONEachRow' });
    return r
      .text()
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => (JSON.parse(l) as { explain: string }).explain);
  }

  async catalogue(): Promise<EngineCatalogue> {
    const session = await this.parseSession();
    const functions = (await session.queryAsync('SELECT name, alias_to, toString(origin) AS origin FROM system.functions', { format: 'JSONEachRow' }))
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { name: string; alias_to: string; origin: string });
    const outputFormats = (await session.queryAsync('SELECT name FROM system.formats WHERE is_output', { format: 'JSONEachRow' }))
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { name: string }).name);
    return { functions, outputFormats };
  }

  async run(sql: string, opts: RunOptions): Promise<Buffer> {
    const release = await this.gates[opts.lane ?? 'sql'].acquire();
    let session: Session | null = null;
    try {
      session = await this.openSession();
      const text = `${sql}\n${settingsClause(enforcedSettings(opts.limits, opts.settings))}`;
      const r = hasParams(opts.params)
        ? await session.queryBindAsync(text, opts.params!, { format: opts.format })
        : await session.queryAsync(text, { format: opts.format });
      const bytes = r.bytes();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } finally {
      if (session) this.closeSession(session);
      release();
    }
  }

  async *stream(sql: string, opts: RunOptions): AsyncGenerator<Buffer> {
    const release = await this.gates[opts.lane ?? 'export'].acquire();
    let session: Session | null = null;
    let cancel: (() => void) | null = null;
    try {
      session = await this.openSession();
      const text = `${sql}\n${settingsClause(enforcedSettings(opts.limits, opts.settings))}`;
      const stream = hasParams(opts.params) ? session.queryStreamBind(text, opts.params!, { format: opts.format }) : session.queryStream(text, { format: opts.format });
      cancel = () => stream.cancel();
      const joiner = opts.format === 'ArrowStream' ? new ArrowStreamJoiner() : null;
      for await (const chunk of stream) {
        const raw = chunk.raw();
        const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
        yield joiner ? joiner.push(bytes) : bytes;
      }
      if (joiner) yield joiner.end();
    } finally {
      // Runs on completion, on error and when the consumer stops early (client gone).
      cancel?.();
      if (session) this.closeSession(session);
      release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sessions) s.close();
    this.sessions.clear();
    this.parser?.close();
    this.parser = null;
  }

  private async parseSession(): Promise<Session> {
    this.parser ??= await this.openSession();
    return this.parser;
  }

  private async openSession(): Promise<Session> {
    if (this.closed) throw new TicketPulseError('clickhouse_unavailable', 'the SQL engine is shutting down', { retriable: true });
    const session = new Session(this.dataPath);
    this.sessions.add(session);
    if (this.database !== 'default') {
      // A new session starts in `default`, like the main connection before its USE.
      await session.queryAsync(`USE ${quoteIdent(this.database)}`);
    }
    return session;
  }

  private closeSession(session: Session): void {
    this.sessions.delete(session);
    session.close();
  }
}

function hasParams(params: QueryParams | undefined): boolean {
  return params !== undefined && Object.keys(params).length > 0;
}
