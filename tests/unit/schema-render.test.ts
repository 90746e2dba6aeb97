import { describe, expect, it } from 'vitest';
import { MIGRATIONS, renderMigrations } from '../../core/schema/index.ts';

const single = { cluster: null, retention: { eventsDays: 1825, deadLettersDays: 90 } };
const cluster = { cluster: 'support_cluster', retention: { eventsDays: 365, deadLettersDays: 30 } };

describe('migration rendering', () => {
  it('renders plain MergeTree engines and no ON CLUSTER on a single server', () => {
    const sql = renderMigrations(single).join('\n');
    expect(sql).not.toMatch(/ON CLUSTER|Replicated/);
    expect(sql).toMatch(/CREATE TABLE IF NOT EXISTS ticket_events\n/);
    expect(sql).toMatch(/ENGINE = ReplacingMergeTree\(\)\nPARTITION BY toYYYYMM\(occurred_at\)\nORDER BY event_id\nTTL toDateTime\(occurred_at\) \+ INTERVAL 1825 DAY/);
    expect(sql).toMatch(/dead_letters[\s\S]*INTERVAL 90 DAY/);
  });

  it('renders ON CLUSTER and Replicated* engines for every table when a cluster is configured', () => {
    const statements = renderMigrations(cluster);
    expect(statements.length).toBeGreaterThanOrEqual(1 + MIGRATIONS.length);
    for (const s of statements) {
      expect(s).toMatch(/ ON CLUSTER 'support_cluster'/);
      if (/^CREATE TABLE/.test(s)) {
        expect(s).toMatch(/ENGINE = Replicated(Replacing|Aggregating|Summing)?MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\w+', '\{replica\}'/);
      }
    }
    expect(statements[0]).toContain("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/schema_migrations', '{replica}', applied_at)");
    expect(statements.join('\n')).toContain('TTL toDateTime(occurred_at) + INTERVAL 365 DAY');
  });

  it('keeps versions strictly increasing and statements idempotent', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
    for (const s of renderMigrations(single)) expect(s).toMatch(/IF NOT EXISTS/);
  });
});
