// Helpers for the overview page's browser test: the demo as a child process (the way
// a person starts it), headless Chromium through playwright-core, and ways to read
// what the page drew.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { tempDir } from './clickhouse.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

/** Whether the browser test can run here; in CI a missing browser is a failure, not a skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install it (.ci/run installs the Debian packages chromium and chromium-driver)`);
  console.warn(`skipping the overview browser test: ${CHROMIUM} is not installed (apt-get install -y chromium chromium-driver)`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

export interface Demo {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** `ticketpulse demo` on a fresh data directory and a free port, with the simulator and its incident. */
export async function startDemo(args: string[] = []): Promise<Demo> {
  const dataDir = tempDir('overview-demo');
  const child: ChildProcess = spawn('node', ['bin/ticketpulse', '--data-dir', dataDir, 'demo', '--port', '0', '--duration', '1200', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not print its API address in 60 s:\n${out}`)), 60_000);
    const check = () => {
      const m = /API (http:\/\/[^\s,]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`the demo exited (${code}) before serving:\n${out}`)));
  });
  return {
    url,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function getJson<T = Record<string, unknown>>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Panel {
  key: string;
  status: string;
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}
export interface OverviewBody {
  page: string;
  generated_at: string;
  range: { from: string; to: string; interval_ms: number };
  filters: Record<string, string[]>;
  panels: Panel[];
}

export function rowsOf(body: OverviewBody, key: string): Array<Record<string, unknown>> {
  const p = body.panels.find((x) => x.key === key);
  if (!p) throw new Error(`no panel ${key} in ${body.page}`);
  return p.rows.map((r) => Object.fromEntries(p.columns.map((c, i) => [c.name, r[i]])));
}

/** Every JSON answer the page got from the API, newest last, by path prefix. */
export class Responses {
  readonly seen: Array<{ url: string; status: number; body: unknown; headers: Record<string, string> }> = [];

  constructor(page: Page) {
    page.on('response', (r: Response) => {
      if (!new URL(r.url()).pathname.startsWith('/v1/')) return;
      void r
        .json()
        .then((body: unknown) => this.seen.push({ url: r.url(), status: r.status(), body, headers: r.request().headers() }))
        .catch(() => {});
    });
  }

  matching(path: string): Array<{ url: string; status: number; body: unknown; headers: Record<string, string> }> {
    return this.seen.filter((s) => new URL(s.url).pathname === path);
  }

  /** The overview answer the page rendered last (main[data-rendered] names it). */
  async rendered(page: Page, name: string): Promise<OverviewBody> {
    const generated = await page.getAttribute('main', 'data-rendered');
    const find = () =>
      this.matching(`/v1/overview/${name}`)
        .map((s) => s.body as OverviewBody)
        .find((b) => b.generated_at === generated);
    // The response body is read asynchronously; give it a moment to arrive here too.
    return until(`the ${name} answer the page rendered (${generated})`, async () => find(), 3000, 50);
  }
}

/** Opens a page of the overview and waits until it has drawn an answer for it. */
export async function openPage(page: Page, base: string, query: string): Promise<void> {
  const name = new URLSearchParams(query).get('page') ?? 'now';
  await page.goto(`${base}/?${query}`);
  await page.waitForSelector(`main[data-page="${name}"][data-rendered]`, { timeout: 30_000 });
  // Charts are drawn right after the nodes are placed; one frame later they are on the canvas.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
}

/** Non-transparent pixels per canvas under `selector`. */
export function canvasInk(page: Page, selector: string): Promise<number[]> {
  return page.$$eval(selector, (canvases) =>
    canvases.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    }),
  );
}

/** Every chart's text alternative: its aria-label, and the rows of the table it points to. */
export function chartAlternatives(page: Page): Promise<Array<{ label: string; tableRows: number }>> {
  return page.$$eval('.chart-canvas', (hosts) =>
    hosts.map((h) => {
      const table = document.getElementById(h.getAttribute('aria-describedby') ?? '');
      return { label: h.getAttribute('aria-label') ?? '', tableRows: table ? table.querySelectorAll('tbody tr').length : -1 };
    }),
  );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = new URL(`overview-${name}.png`, ARTIFACTS).pathname;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Cell texts of a table's body, by data-col. */
export function columnTexts(page: Page, scope: string, col: string): Promise<string[]> {
  return page.$$eval(`${scope} tbody td[data-col="${col}"]`, (cells) => cells.map((c) => (c.textContent ?? '').trim()));
}
