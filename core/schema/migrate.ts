// Applies versioned migrations in order and records each in schema_migrations.
// Safe to run on every start-up: applied versions are skipped, and every statement
// is idempotent, so a migration interrupted half-way is simply run again.
import { createHash } from 'node:crypto';
import type { ClickHouse } from '../clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../errors.ts';
import { MIGRATIONS } from './migrations.ts';
import type { Migration } from './migration.ts';
import { engine, onCluster, sql, type SchemaContext } from './render.ts';

export interface MigrationResult {
  applied: Array<{ version: number; name: string }>;
  alreadyApplied: number;
  retentionChanged: string[];
}

export function schemaMigrationsDDL(ctx: SchemaContext): string {
  return sql`
    CREATE TABLE IF NOT EXISTS schema_migrations${onCluster(ctx)}
    (
      version UInt32,
      name String,
      checksum String,
      applied_at DateTime64(3, 'UTC')
    )
    ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'schema_migrations', ['applied_at'])}
    ORDER BY version
  `;
}

/** Every statement the migrations would run for this context, in order (for review and tests). */
export function renderMigrations(ctx: SchemaContext, migrations: readonly Migration[] = MIGRATIONS): string[] {
  return [schemaMigrationsDDL(ctx), ...migrations.flatMap((m) => m.up(ctx))];
}

export async function migrate(ch: ClickHouse, ctx: SchemaContext, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  checkOrder(migrations);
  await run(ch, schemaMigrationsDDL(ctx), 'schema_migrations');
  const applied = await appliedVersions(ch);
  const result: MigrationResult = { applied: [], alreadyApplied: 0, retentionChanged: [] };
  for (const m of migrations) {
    if (applied.has(m.version)) {
      result.alreadyApplied++;
      continue;
    }
    const statements = m.up(ctx);
    for (const statement of statements) await run(ch, statement, `${m.version}_${m.name}`);
    await ch.client.insert({
      table: 'schema_migrations',
      format: 'JSONEachRow',
      values: [{ version: m.version, name: m.name, checksum: checksum(statements), applied_at: Date.now() }],
    });
    result.applied.push({ version: m.version, name: m.name });
  }
  result.retentionChanged = await syncRetention(ch, ctx);
  return result;
}

export async function appliedVersions(ch: ClickHouse): Promise<Set<number>> {
  const rs = await ch.client.query({ query: 'SELECT version FROM schema_migrations FINAL', format: 'JSONEachRow' });
  const rows = await rs.json<{ version: number }>();
  return new Set(rows.map((r) => Number(r.version)));
}

/** True when every known migration is recorded (used by /readyz). */
export async function migrationsApplied(ch: ClickHouse, migrations: readonly Migration[] = MIGRATIONS): Promise<boolean> {
  try {
    const applied = await appliedVersions(ch);
    return migrations.every((m) => applied.has(m.version));
  } catch {
    return false;
  }
}

/**
 * Retention comes from configuration, not from the migration that created the
 * table: when it changes, the table's TTL is altered to match.
 */
async function syncRetention(ch: ClickHouse, ctx: SchemaContext): Promise<string[]> {
  const wanted: Array<[string, string, number]> = [
    ['ticket_events', 'occurred_at', ctx.retention.eventsDays],
    ['dead_letters', 'received_at', ctx.retention.deadLettersDays],
  ];
  const rs = await ch.client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}',
    query_params: { names: wanted.map((w) => w[0]) },
    format: 'JSONEachRow',
  });
  const current = new Map((await rs.json<{ name: string; engine_full: string }>()).map((r) => [r.name, r.engine_full]));
  const changed: string[] = [];
  for (const [table, column, days] of wanted) {
    const engineFull = current.get(table);
    if (!engineFull) continue;
    const m = /TTL .*toIntervalDay\((\d+)\)/.exec(engineFull);
    if (m && Number(m[1]) === days) continue;
    await run(ch, `ALTER TABLE ${table}${onCluster(ctx)} MODIFY TTL toDateTime(${column}) + INTERVAL ${days} DAY`, `retention ${table}`);
    changed.push(table);
  }
  return changed;
}

async function run(ch: ClickHouse, statement: string, label: string): Promise<void> {
  try {
    await ch.client.command({ query: statement });
  } catch (err) {
    throw new TicketPulseError('migration_failed', `migration ${label} failed: ${errorMessage(err)}\n${statement}`, { cause: err });
  }
}

function checksum(statements: string[]): string {
  return createHash('sha256').update(statements.join(';\n')).digest('hex').slice(0, 16);
}

function checkOrder(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version <= migrations[i - 1].version) {
      throw new TicketPulseError('migration_failed', `migration versions must be unique and increasing: ${migrations[i - 1].version} then ${migrations[i].version}`);
    }
  }
}
