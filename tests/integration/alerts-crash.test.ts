// Nothing lost across kill -9: a process stores 200 alerts and dies before sending
// anything; a second one dies in the middle of delivering them (some sent, not all
// recorded as sent); a third finishes. A receiver that drops repeated idempotency
// keys must end up with every alert exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openClickHouse, type ClickHouse } from '../../core/clickhouse/index.ts';
import { tempDir, testConfig } from '../support/clickhouse.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const COUNT = 200;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const childScript = fileURLToPath(new URL('../support/alerts-crash-child.ts', import.meta.url));
const dataDir = tempDir('alerts-crash');
const live = new Set<ChildProcess>();
let receiver: WebhookReceiver;
let ch: ClickHouse | null = null;

beforeAll(async () => {
  // Slow answers widen the window in which a delivery is sent but not yet recorded.
  receiver = await startWebhookReceiver({ dropRepeatedKeys: true, delayMs: 15 });
});
afterAll(async () => {
  for (const p of live) p.kill('SIGKILL');
  await receiver?.close();
  await ch?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  /** Resolves with the first stdout line starting with `word`. */
  line(word: string, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function start(...args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', childScript, dataDir, receiver.url, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let out = '';
  let err = '';
  const listeners: Array<() => void> = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const l of listeners) l();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
      for (const l of listeners) l();
    }),
  );
  return {
    proc,
    exited,
    stderr: () => err,
    line: (word, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${word}" from the child within ${timeoutMs} ms; stderr:\n${err}`)), timeoutMs);
        const check = () => {
          const hit = out.split('\n').find((l) => l.startsWith(word));
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`child exited before "${word}"; stderr:\n${err}`));
          }
        };
        listeners.push(check);
        check();
      }),
  };
}

async function kill(c: Child): Promise<void> {
  c.proc.kill('SIGKILL');
  expect((await c.exited).signal).toBe('SIGKILL');
}

it(`delivers each of ${COUNT} alerts exactly once (as a deduplicating receiver sees it) across two kill -9s`, { timeout: 120_000 }, async () => {
  // 1. Alerts stored, then killed before any delivery.
  const raiser = start('raise', String(COUNT));
  expect(await raiser.line('stored')).toBe(`stored ${COUNT}`);
  await kill(raiser);
  expect(receiver.requests).toHaveLength(0);

  // 2. Killed in the middle of delivering.
  const first = start('deliver');
  await first.line('ready');
  await receiver.waitFor(60, 60_000);
  await kill(first);
  const sentBeforeKill = receiver.requests.length;
  expect(receiver.accepted().length).toBeLessThan(COUNT);

  // 3. Restarted: finishes the rest.
  const second = start('deliver');
  await second.line('drained');
  expect(await second.exited).toEqual({ code: 0, signal: null });

  const accepted = receiver.accepted();
  const alertIds = accepted.map((r) => (r.json as { alert: { id: string } }).alert.id);
  expect(accepted).toHaveLength(COUNT);
  expect(new Set(alertIds).size).toBe(COUNT);
  // Every repeat the receiver dropped carried a key it had already accepted.
  const acceptedKeys = new Set(accepted.map((r) => r.key));
  for (const r of receiver.requests.filter((q) => q.duplicate)) expect(acceptedKeys.has(r.key)).toBe(true);
  // Every request carried the key of an alert's first notification.
  for (const r of receiver.requests) expect(r.key).toMatch(/^[0-9a-f-]{36}:hook:1$/);

  const config = testConfig(dataDir);
  ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir, command: 'alerts-crash-test' });
  const scalar = async (query: string) => Number(Object.values((await (await ch!.client.query({ query, format: 'JSONEachRow' })).json<Record<string, unknown>>())[0] ?? {})[0]);
  expect(await scalar('SELECT uniqExact(alert_id) FROM alerts')).toBe(COUNT);
  expect(await scalar("SELECT countIf(state = 'delivered') FROM (SELECT state FROM alert_deliveries ORDER BY delivery_id, version DESC LIMIT 1 BY delivery_id)")).toBe(COUNT);
  console.log(
    `alerts crash: ${receiver.requests.length} requests for ${COUNT} alerts; ${sentBeforeKill} before the second kill, ${receiver.requests.filter((r) => r.duplicate).length} repeats dropped by the receiver`,
  );
});
