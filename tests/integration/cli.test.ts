// The `ticketpulse` command as a user runs it: separate processes on a temp data dir.
import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/clickhouse.ts';

const run = promisify(execFile);
const dataDir = tempDir('cli');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function tp(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('node', ['bin/ticketpulse', '--data-dir', dataDir, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('ticketpulse CLI', () => {
  it('migrate applies the schema, and a second run is a no-op', async () => {
    const first = await tp(['migrate']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('applied 001_ticket_events');
    expect(first.stdout).toContain('applied 002_dead_letters');
    const second = await tp(['migrate']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/schema is up to date \(\d+ migrations applied\)/);
  });

  it('simulate writes events that query then prints as a table, CSV and JSON', async () => {
    const sim = await tp(['simulate', '--to', 'clickhouse', '--hours', '6', '--seed', '7']);
    expect(sim.code, sim.stderr).toBe(0);
    const simulated = Number(/simulated (\d+) events/.exec(sim.stdout)?.[1]);
    expect(simulated).toBeGreaterThan(1000);

    const table = await tp(['query', 'SELECT type, count() AS n FROM ticket_events FINAL GROUP BY type ORDER BY type']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^type\s+n$/);
    expect(lines[1]).toMatch(/^-+\s+-+$/);
    expect(table.stdout).toMatch(/^created\s+\d+$/m);
    expect(lines.at(-1)).toMatch(/^\(\d+ rows\)$/);

    const csv = await tp(['query', '--format', 'csv', 'SELECT count() AS n FROM ticket_events FINAL']);
    expect(csv.stdout).toBe(`n\n${simulated}\n`);
    const json = await tp(['query', '--format', 'json', 'SELECT uniqExact(event_id) AS n FROM ticket_events']);
    expect(JSON.parse(json.stdout)).toEqual({ n: simulated });
  });

  it('refuses writes and outside-reaching table functions in query', async () => {
    const r = await tp(['query', "SELECT * FROM file('/etc/passwd', 'LineAsString')"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/file\(\) reaches outside/);
    const w = await tp(['query', 'DROP TABLE ticket_events']);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/only read queries/);
  });

  it('stops on bad configuration with exit code 2 and the key named', async () => {
    const r = await tp(['migrate'], { PORT: 'eighty' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('api.port (from PORT): expected an integer');
  });

  it('demo serves the API, answers queries through it while it holds the data dir, and stops cleanly with --duration', async () => {
    const demoDir = tempDir('cli-demo');
    const child = spawn('node', ['bin/ticketpulse', '--data-dir', demoDir, 'demo', '--duration', '12', '--port', '0', '--history-hours', '3'], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Wait for the first status line: the API listens and rows are stored.
      for (let i = 0; i < 100 && !/\[\s+5 s\]/.test(stdout); i++) await new Promise((r) => setTimeout(r, 200));
      expect(stdout).toMatch(/API http:\/\/127\.0\.0\.1:\d+/);
      const q = await run('node', ['bin/ticketpulse', '--data-dir', demoDir, 'query', '--format', 'json', 'SELECT count() AS n FROM ticket_events'], {
        env: { ...process.env, LOG_LEVEL: 'warn' },
      });
      expect(JSON.parse(q.stdout).n).toBeGreaterThan(0);
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/stored (\d+) events/);
      expect(Number(/stored (\d+) events and/.exec(stdout)?.[1])).toBeGreaterThan(0);
      expect(stdout).toContain('demo stopped cleanly');
    } finally {
      child.kill('SIGKILL');
      rmSync(demoDir, { recursive: true, force: true });
    }
  });
  it('processors role serves /readyz and /metrics for its container healthcheck, and stops with exit 0 on SIGTERM', async () => {
    const dir = tempDir('cli-processors');
    const child = spawn('node', ['bin/ticketpulse', '--data-dir', dir, 'processors', '--metrics-port', '0'], { env: { ...process.env, LOG_LEVEL: 'warn' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 150 && !/metrics at (http:\/\/\S+)\/metrics/.test(out); i++) await new Promise((r) => setTimeout(r, 200));
      const base = /metrics at (http:\/\/\S+)\/metrics/.exec(out)?.[1];
      expect(base, out).toBeTruthy();
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(JSON.stringify(await ready.json())).toContain('migrations');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^process_resident_memory_bytes /m);
      // The healthcheck script the compose file runs agrees.
      const port = new URL(base!).port;
      const hc = await run('node', ['deploy/healthcheck.mjs', port]).then(() => 0, (e: { code: number }) => e.code);
      expect(hc).toBe(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const closed = await run('node', ['deploy/healthcheck.mjs', port]).then(() => 0, (e: { code: number }) => e.code);
      expect(closed).toBe(1);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
