import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, migrationsApplied } from '../../core/schema/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

let t: TestClickHouse;
beforeAll(async () => {
  t = await openTestClickHouse('migrations');
});
afterAll(async () => t?.cleanup());

describe('migrations on embedded ClickHouse', () => {
  it('records every migration once; a second run is a no-op', async () => {
    // openTestClickHouse already migrated once.
    const again = await migrate(t.ch, { cluster: null, retention: t.config.retention });
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(MIGRATIONS.length);
    const rows = await t.rows<{ version: number; name: string }>('SELECT version, name FROM schema_migrations FINAL ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(await migrationsApplied(t.ch)).toBe(true);
  });

  it('creates ticket_events with the deduplicating key, monthly partitions and the configured TTL', async () => {
    const [table] = await t.rows<{ sorting_key: string; partition_key: string; engine: string; engine_full: string }>(
      "SELECT sorting_key, partition_key, engine, engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'ticket_events'",
    );
    expect(table.engine).toBe('ReplacingMergeTree');
    expect(table.sorting_key).toBe('event_id');
    expect(table.partition_key).toBe('toYYYYMM(occurred_at)');
    expect(table.engine_full).toMatch(/TTL toDateTime\(occurred_at\) \+ toIntervalDay\(1825\)/);
  });

  it('changes the TTL when the configured retention changes', async () => {
    const r = await migrate(t.ch, { cluster: null, retention: { eventsDays: 400, deadLettersDays: 90 } });
    expect(r.retentionChanged).toEqual(['ticket_events']);
    const [table] = await t.rows<{ engine_full: string }>("SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'ticket_events'");
    expect(table.engine_full).toMatch(/toIntervalDay\(400\)/);
    const again = await migrate(t.ch, { cluster: null, retention: { eventsDays: 400, deadLettersDays: 90 } });
    expect(again.retentionChanged).toEqual([]);
  });
});
