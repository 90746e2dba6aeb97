// Group commit for the alert tables. Callers hand over rows and wait until they are
// stored; everything handed over while an insert runs goes into the next one, so a
// processor raising 10,000 alerts at once costs a few inserts, not 20,000.
//
// Within one flush, delivery rows are inserted before alert rows: a crash between
// the two leaves a pending delivery whose message holds the alert version, from which
// start-up restores the missing alert row. The other order could leave a fired alert
// whose notification nobody knows about.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { ALERT_COLUMNS, DELIVERY_COLUMNS } from './store-rows.ts';

/**
 * In the statement's own SETTINGS clause: with chdb/connection, clickhouse_settings
 * become session-wide. No block dedup (DESIGN.md, "Delivery guarantees": the
 * (id, version) key does that), and synchronous, so "stored" means "in a part".
 */
export const ALERT_INSERT_SETTINGS = 'insert_deduplicate = 0, async_insert = 0';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export interface RowWriterOptions {
  maxAttempts?: number;
  retryBaseMs?: number;
  log?: Logger;
}

export class RowWriter {
  private deliveries: Array<Record<string, unknown>> = [];
  private alerts: Array<Record<string, unknown>> = [];
  private waiters: Waiter[] = [];
  private running: Promise<void> | null = null;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;

  constructor(
    private readonly ch: ClickHouse,
    private readonly opts: RowWriterOptions = {},
  ) {
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.retryBaseMs = opts.retryBaseMs ?? 100;
  }

  /** Resolves once every row is stored (and everything handed over before it). */
  write(rows: { alerts?: Array<Record<string, unknown>>; deliveries?: Array<Record<string, unknown>> }): Promise<void> {
    if (rows.alerts) for (const r of rows.alerts) this.alerts.push(r);
    if (rows.deliveries) for (const r of rows.deliveries) this.deliveries.push(r);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.kick();
    return done;
  }

  /** Waits until everything queued is stored; rejects if ClickHouse still refuses it. */
  async drain(): Promise<void> {
    await this.running?.catch(() => undefined);
    if (this.queuedRows > 0 || this.waiters.length > 0) await this.write({});
  }

  get queuedRows(): number {
    return this.alerts.length + this.deliveries.length;
  }

  private kick(): void {
    if (this.running) return;
    this.running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.loop());
    void this.running.finally(() => {
      this.running = null;
      if (this.waiters.length > 0) this.kick();
      else if (this.queuedRows > 0) this.retryLater();
    });
  }

  private retryTimer: NodeJS.Timeout | null = null;

  /** Rows kept after a failed flush are tried again without waiting for the next write. */
  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.queuedRows > 0) this.write({}).catch(() => undefined);
    }, 5_000);
    this.retryTimer.unref();
  }

  private async loop(): Promise<void> {
    while (this.waiters.length > 0) {
      const deliveries = this.deliveries;
      const alerts = this.alerts;
      const waiters = this.waiters;
      this.deliveries = [];
      this.alerts = [];
      this.waiters = [];
      try {
        await this.insertWithRetry('alert_deliveries', DELIVERY_COLUMNS, deliveries);
        await this.insertWithRetry('alerts', ALERT_COLUMNS, alerts);
        for (const w of waiters) w.resolve();
      } catch (err) {
        // Keep the rows: they describe state this process already acts on, and the
        // next write (or drain) stores them once ClickHouse is back.
        this.deliveries = [...deliveries, ...this.deliveries];
        this.alerts = [...alerts, ...this.alerts];
        for (const w of waiters) w.reject(err);
        return;
      }
    }
  }

  private async insertWithRetry(table: string, columns: readonly string[], rows: Array<Record<string, unknown>>): Promise<void> {
    if (rows.length === 0) return;
    const head = `INSERT INTO ${table} (${columns.join(', ')}) SETTINGS ${ALERT_INSERT_SETTINGS} FORMAT JSONEachRow\n`;
    const body = rows.map((r) => JSON.stringify(r)).join('\n');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ch.client.command({ query: head + body });
        return;
      } catch (err) {
        if (attempt >= this.maxAttempts) {
          throw new TicketPulseError('clickhouse_query_failed', `insert into ${table} failed: ${errorMessage(err)}`, { cause: err, retriable: true });
        }
        const delay = this.retryBaseMs * 2 ** (attempt - 1);
        this.opts.log?.warn({ table, attempt, delayMs: delay, err }, 'alert insert failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
