import type { Config } from '../../core/config/index.ts';
import { openClickHouse } from '../../core/clickhouse/index.ts';
import { migrate } from '../../core/schema/index.ts';
import { schemaContext } from '../runtime.ts';

export async function migrateCommand(config: Config, out: (s: string) => void): Promise<void> {
  const ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir: config.dataDir, command: 'migrate' });
  try {
    const result = await migrate(ch, schemaContext(config));
    for (const m of result.applied) out(`applied ${String(m.version).padStart(3, '0')}_${m.name}\n`);
    for (const t of result.retentionChanged) out(`retention of ${t} updated from configuration\n`);
    if (result.applied.length === 0 && result.retentionChanged.length === 0) {
      out(`schema is up to date (${result.alreadyApplied} migrations applied)\n`);
    }
  } finally {
    await ch.close();
  }
}
