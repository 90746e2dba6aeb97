// `ticketpulse agents recompute` on demand, through the command's own function (the
// lead registers it in cli/main.ts), against a real embedded data directory.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { recompute } from '../../cli/commands/agents.ts';
import { schemaContext } from '../../cli/runtime.ts';
import { openClickHouse } from '../../core/clickhouse/index.ts';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { migrate } from '../../core/schema/index.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { tempDir, testConfig } from '../support/clickhouse.ts';

const NOW = Date.UTC(2026, 10, 20);
const dataDir = tempDir('agents-cli');
const config = testConfig(dataDir);

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('ticketpulse agents recompute', () => {
  it('publishes version 1, then reports unchanged weights; --json gives the run report', async () => {
    const ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir, command: 'test' });
    try {
      await migrate(ch, schemaContext(config));
      const ctx = { nowMs: NOW, receivedAt: toClickHouseTime(NOW) };
      const lines: string[] = [];
      let i = 0;
      for (const agent of ['a1', 'a2', 'a3']) {
        for (let k = 0; k < 4; k++) {
          const id = `C-${agent}-${k}`;
          const at = NOW - (k + 1) * 86_400_000;
          for (const [type, offset] of [['created', 0], ['assigned', 60_000], ['agent_replied', 600_000], ['resolved', 3_600_000]] as const) {
            const ev = { event_id: `${id}-${type}`, ticket_id: id, type, occurred_at: new Date(at + offset).toISOString(), category: 'refund', channel: 'email', ...(type === 'created' ? {} : { agent_id: agent, team: 'billing' }) };
            const r = processMessage(JSON.stringify(ev), { source: 'file', index: i++ }, ctx);
            if (r.kind === 'ok') lines.push(r.line);
          }
        }
      }
      await new ClickHouseInserter(ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
    } finally {
      await ch.close();
    }

    let text = '';
    const first = await recompute(config, { now: NOW, pushTimeout: 1 }, (s) => (text += s));
    expect(first).toMatchObject({ version: 1, published: true, agents: 3, skills: 1 });
    expect(text).toContain('published routing weights version 1');
    expect(text).toContain('3 agents, 1 skills');

    let json = '';
    const second = await recompute(config, { now: NOW, json: true, pushTimeout: 1 }, (s) => (json += s));
    expect(second.published).toBe(false);
    expect(JSON.parse(json)).toMatchObject({ version: 1, published: false, feed: [] });
  });
});
