// `ticketpulse query` while another process holds the embedded data directory (chDB
// allows one process per directory): with no API to fall back to it names the holder;
// with an API it queries through it, with the API key the holder requires.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../api/index.ts';
import { readOwner, writeOwner } from '../../core/clickhouse/owner.ts';
import { makeEvent, tempDir } from '../support/clickhouse.ts';

const run = promisify(execFile);
const dirs: string[] = [];
const children = new Set<ChildProcess>();

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

/** The environment for a CLI process: quiet, and no API key unless the test passes one. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  if (!('TICKETPULSE_API_KEY' in extra)) delete env.TICKETPULSE_API_KEY;
  return env;
}

async function tp(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('node', ['bin/ticketpulse', ...args], { env: cliEnv(env), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts a long-running `ticketpulse` role and waits until its output matches `ready`. */
async function startRole(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn('node', ['bin/ticketpulse', ...args], { env: cliEnv() });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 450 && !ready.test(out) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 200));
  const match = ready.exec(out);
  if (!match) throw new Error(`ticketpulse ${args.join(' ')} did not get ready (exit ${child.exitCode}):\n${out}`);
  return { child, match, output: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

// Each test spawns several CLI processes (tsx start-up, chDB open): generous on a loaded 2-core machine.
describe('ticketpulse query while another process holds the data directory', { timeout: 180_000 }, () => {
  it('names the holding process when it serves no API (a processors role), and queries directly once it is gone', async () => {
    const dataDir = dir('query-owner-processors');
    const { child } = await startRole(['--data-dir', dataDir, 'processors', '--metrics-port', '0'], /ticketpulse processors running/);
    try {
      expect(readOwner(dataDir)).toMatchObject({ pid: child.pid, command: 'processors' });
      expect(readOwner(dataDir)?.apiUrl).toBeUndefined();

      const r = await tp(['--data-dir', dataDir, 'query', 'SELECT 1']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('data_dir_locked');
      expect(r.stderr).toContain(`held by process ${child.pid} (ticketpulse processors)`);
      expect(r.stderr).toMatch(/serves no API/);
      expect(r.stdout).toBe('');
    } finally {
      expect(await stop(child)).toBe(0);
    }
    // The holder released the directory (and its owner record): query opens it itself.
    expect(readOwner(dataDir)).toBeNull();
    const after = await tp(['--data-dir', dataDir, 'query', '--format', 'json', 'SELECT 1 AS one']);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual({ one: 1 });
  });

  it('names the holder from an owner record of a live process without an API (e.g. a Kafka ingest role)', async () => {
    const dataDir = dir('query-owner-record');
    // This test worker is alive and is not the CLI process: exactly what a holder looks like.
    writeOwner(dataDir, { pid: process.pid, command: 'ingest', startedAt: new Date().toISOString() });
    const r = await tp(['--data-dir', dataDir, 'query', 'SELECT 1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`held by process ${process.pid} (ticketpulse ingest)`);
    expect(r.stderr).toContain(dataDir);
  });

  it('ignores the owner record of a process that is gone', async () => {
    const dataDir = dir('query-owner-stale');
    const dead = spawn('node', ['-e', '']);
    await new Promise((r) => dead.once('exit', r));
    writeOwner(dataDir, { pid: dead.pid!, command: 'ingest', startedAt: new Date().toISOString() });
    const r = await tp(['--data-dir', dataDir, 'query', '--format', 'json', 'SELECT 2 AS two']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ two: 2 });
  });

  it('queries through the holder’s API, with the API key it requires (--api-key or TICKETPULSE_API_KEY)', async () => {
    const dataDir = dir('query-owner-api');
    const sql = generateApiKey(['sql'], 'analyst');
    const ingest = generateApiKey(['ingest'], 'producer');
    const configFile = join(dataDir, 'ticketpulse.config.yaml');
    writeFileSync(configFile, toYaml({ api: { auth: { keys: [sql.entry, ingest.entry] } } }));

    const { child, match } = await startRole(['--config', configFile, '--data-dir', dataDir, 'api', '--port', '0'], /ticketpulse api running — API (http:\/\/\S+)/);
    try {
      const apiUrl = match[1];
      expect(readOwner(dataDir)).toMatchObject({ pid: child.pid, command: 'api', apiUrl });

      // Rows that only the holder can see: stored through its HTTP ingest.
      const events = Array.from({ length: 25 }, (_, i) => makeEvent(i, { event_id: `owner-api-${i}` }));
      const posted = await fetch(`${apiUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest.key}` },
        body: JSON.stringify(events),
      });
      expect(posted.status).toBe(202);
      expect(await posted.json()).toMatchObject({ accepted: 25, rejected: 0 });

      const query = ['--config', configFile, '--data-dir', dataDir, 'query', '--format', 'json', "SELECT count() AS n FROM ticket_events FINAL WHERE startsWith(event_id, 'owner-api-')"];

      const noKey = await tp(query);
      expect(noKey.code).toBe(1);
      expect(noKey.stderr).toContain('error (unauthorized)');
      expect(noKey.stderr).toContain('pass --api-key or set TICKETPULSE_API_KEY');

      const wrongKey = await tp([...query, '--api-key', `tp_${sql.entry.id}_not-the-secret`]);
      expect(wrongKey.code).toBe(1);
      expect(wrongKey.stderr).toContain('error (unauthorized)');

      const wrongScope = await tp([...query, '--api-key', ingest.key]);
      expect(wrongScope.code).toBe(1);
      expect(wrongScope.stderr).toContain('error (forbidden)');

      const viaFlag = await tp([...query, '--api-key', sql.key]);
      expect(viaFlag.code, viaFlag.stderr).toBe(0);
      expect(JSON.parse(viaFlag.stdout)).toEqual({ n: 25 });

      const viaEnv = await tp(query, { TICKETPULSE_API_KEY: sql.key });
      expect(viaEnv.code, viaEnv.stderr).toBe(0);
      expect(JSON.parse(viaEnv.stdout)).toEqual({ n: 25 });

      // The API's read-only guard applies on this path too.
      const write = await tp(['--config', configFile, '--data-dir', dataDir, 'query', '--api-key', sql.key, 'DROP TABLE ticket_events']);
      expect(write.code).toBe(1);
      expect(write.stderr).toMatch(/only read queries/);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('says which process holds the directory when its recorded API does not answer', async () => {
    const dataDir = dir('query-owner-deaf');
    writeOwner(dataDir, { pid: process.pid, command: 'api', startedAt: new Date().toISOString(), apiUrl: 'http://127.0.0.1:9' });
    const r = await tp(['--data-dir', dataDir, 'query', 'SELECT 1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`held by process ${process.pid} (ticketpulse api), whose API at http://127.0.0.1:9 did not answer`);
  });
});
