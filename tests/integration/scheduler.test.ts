import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import { Scheduler, type RunRecord } from '../../processors/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

let t: TestClickHouse;
beforeAll(async () => {
  t = await openTestClickHouse('scheduler');
});
afterAll(async () => t?.cleanup());
const log = createLogger('silent');

describe('processor scheduler', () => {
  it('records successful and failed runs in processor_runs', async () => {
    const s = new Scheduler({
      ch: t.ch,
      log,
      jobs: [
        { name: 'good', schedule: '0 0 1 1 *', run: async () => ({ rows: 42 }) },
        { name: 'bad', schedule: '0 0 1 1 *', run: async () => Promise.reject(new Error('boom')) },
      ],
    });
    const good = await s.runNow('good');
    const bad = await s.runNow('bad');
    expect(good).toMatchObject({ status: 'ok', details: { rows: 42 }, trigger: 'manual' });
    expect(bad).toMatchObject({ status: 'error', error: 'boom' });
    const rows = await t.rows<{ processor: string; status: string; error: string; details: string }>(
      "SELECT processor, status, error, details FROM processor_runs WHERE processor IN ('good', 'bad') ORDER BY processor",
    );
    expect(rows).toEqual([
      { processor: 'bad', status: 'error', error: 'boom', details: '{}' },
      { processor: 'good', status: 'ok', error: '', details: '{"rows":42}' },
    ]);
    await s.stop();
  });

  it('never runs one processor twice at once: a second call joins the run in progress', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const s = new Scheduler({
      ch: t.ch,
      log,
      jobs: [
        {
          name: 'slow',
          schedule: '0 0 1 1 *',
          run: async () => {
            concurrent++;
            maxConcurrent = Math.max(maxConcurrent, concurrent);
            await new Promise((r) => setTimeout(r, 100));
            concurrent--;
          },
        },
      ],
    });
    const [a, b] = await Promise.all([s.runNow('slow'), s.runNow('slow')]);
    expect(a.runId).toBe(b.runId);
    expect(maxConcurrent).toBe(1);
    await s.stop();
  });

  it('fires on its cron schedule and stops cleanly', async () => {
    const runs: RunRecord[] = [];
    const s = new Scheduler({ ch: t.ch, log, jobs: [{ name: 'tick', schedule: '* * * * * *', run: async () => {} }], onRun: (r) => runs.push(r) });
    s.start();
    await new Promise((r) => setTimeout(r, 2_500));
    await s.stop();
    const seen = runs.length;
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(runs.every((r) => r.trigger === 'schedule')).toBe(true);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(runs.length).toBe(seen);
  });

  it('refuses an invalid schedule, naming the processor', () => {
    expect(() => new Scheduler({ ch: t.ch, log, jobs: [{ name: 'sla', schedule: 'every minute', run: async () => {} }] })).toThrow(/sla/);
  });

  it('rejects an unknown processor name', async () => {
    const s = new Scheduler({ ch: t.ch, log, jobs: [] });
    await expect(s.runNow('nope')).rejects.toMatchObject({ code: 'not_found' });
  });
});
