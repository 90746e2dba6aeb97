// The overview page in a real browser against the real demo: `ticketpulse demo` with the
// simulator and its injected incident (a child process on a temp data dir), headless
// Chromium through playwright-core. Every page: the numbers shown are the API's, the
// charts drew something and have a text alternative, screenshots go to test-artifacts/.
// Plus: acknowledging an alert in the page changes it in the API, keyboard navigation,
// the language toggle, the URL carrying the view, auto-refresh pausing while hidden.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  Responses,
  canvasInk,
  chartAlternatives,
  chromiumAvailable,
  columnTexts,
  getJson,
  launchChromium,
  openPage,
  rowsOf,
  screenshot,
  startDemo,
  until,
  type Demo,
  type OverviewBody,
} from '../support/overview-browser.ts';

const RUN = chromiumAvailable();
const INCIDENT = /Velvet Matte Lipstick|B-?2311|丝绒哑光口红/i;
const pct = (v: unknown) => (v === null || v === undefined ? '–' : `${(Number(v) * 100).toFixed(1)}%`);
const int = (v: unknown) => String(Math.round(Number(v)));
const isIncident = (r: Record<string, unknown>) => INCIDENT.test(`${r.label} ${r.concentration} ${r.sample_subjects}`);

let demo: Demo;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let responses: Responses;
const timings: Record<string, number> = {};

describe.skipIf(!RUN)('overview page in Chromium, on the demo', () => {
  beforeAll(async () => {
    const t0 = Date.now();
    demo = await startDemo(['--history-hours', '6', '--speed', '600']);
    browser = await launchChromium();
    // Everything the pages show must exist before the comparisons: processors run once a minute in the demo.
    const api = (path: string) => getJson<OverviewBody>(`${demo.url}${path}`);
    await until(
      'the demo to have SLA state, volume, the incident batch, agent scores and firing alerts',
      async () => {
        const [now, vol, rc, agents, alerts] = await Promise.all([
          api('/v1/overview/now'),
          api('/v1/overview/volume'),
          api('/v1/overview/root-causes'),
          api('/v1/overview/agents'),
          getJson<{ alerts: unknown[] }>(`${demo.url}/v1/alerts?state=firing&limit=5`),
        ]);
        return (
          rowsOf(now, 'compliance').some((r) => Number(r.met) + Number(r.breached) > 0) &&
          rowsOf(now, 'at_risk').length > 0 &&
          rowsOf(vol, 'volume').length > 0 &&
          rowsOf(rc, 'batches').some(isIncident) &&
          rowsOf(agents, 'leaderboard').length > 0 &&
          rowsOf(agents, 'weights').length > 0 &&
          alerts.alerts.length > 0
        );
      },
      180_000,
    );
    timings.dataReadyMs = Date.now() - t0;
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
    responses = new Responses(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    console.log(`overview browser test timings: ${JSON.stringify(timings)}`);
  }, 60_000);

  it('Now: compliance, at-risk tickets and firing alerts are the API’s; acknowledging in the page acknowledges in the API', async () => {
    await openPage(page, demo.url, 'page=now');
    // Hold the view still while it is compared (auto-refresh is tested below).
    await page.click('#pause');
    await page.waitForTimeout(1500);
    const body = await responses.rendered(page, 'now');

    for (const r of rowsOf(body, 'compliance')) {
      const card = `article[data-metric="${r.metric}"]`;
      expect(await page.textContent(`${card} [data-value="compliance"]`), String(r.metric)).toBe(pct(r.compliance));
      expect(await page.textContent(`${card} [data-value="counts"]`)).toBe(`${int(r.met)} met · ${int(r.breached)} breached`);
    }
    const trendMetrics = new Set(rowsOf(body, 'compliance_trend').map((r) => String(r.metric)));
    expect(trendMetrics.size).toBeGreaterThan(0);
    const ink = await canvasInk(page, '.sparkline canvas');
    expect(ink.length).toBe(trendMetrics.size);
    for (const n of ink) expect(n).toBeGreaterThan(50);

    const atRisk = rowsOf(body, 'at_risk');
    expect(await columnTexts(page, '[data-panel="at_risk"]', 'ticket_id')).toEqual(atRisk.map((r) => String(r.ticket_id)));
    expect(await page.$$eval('[data-panel="at_risk"] [data-minutes]', (els) => els.map((e) => e.getAttribute('data-minutes')))).toEqual(atRisk.map((r) => int(r.minutes_left)));

    const firing = (responses.matching('/v1/alerts').at(-1)!.body as { alerts: Array<{ id: string; kind: string; summary: string }> }).alerts;
    const shown = await page.$$eval('[data-panel="alerts"] tr[data-alert-id]', (rows) => rows.map((r) => r.getAttribute('data-alert-id')));
    expect(shown).toEqual(firing.map((a) => a.id));
    expect(shown.length).toBeGreaterThan(0);

    await checkAccessibility(page);

    // Acknowledge an alert with the page's button (open demo mode: every scope). The demo's
    // processors keep running, and at-risk alerts resolve on their own as tickets move on:
    // take one of the kinds that stay firing for minutes, still firing per the API now.
    const lasting = ['agent_quality', 'root_cause_batch', 'sla_escalated', 'sla_breached', 'volume_surge'];
    const rank = (a: { kind?: string }) => (lasting.includes(a.kind ?? '') ? 0 : 1);
    const ordered = [...firing].sort((a, b) => rank(a) - rank(b));
    let target: (typeof firing)[number] | undefined;
    for (const a of ordered) {
      if ((await getJson<{ alert: { state: string } }>(`${demo.url}/v1/alerts/${a.id}`)).alert.state === 'firing') {
        target = a;
        break;
      }
    }
    expect(target, 'no alert on the page is still firing').toBeDefined();
    if (!target) return;
    await page.click(`tr[data-alert-id="${target.id}"] button.ack`);
    await page.waitForSelector(`tr[data-alert-id="${target.id}"] .acked`, { timeout: 10_000 });
    const after = await getJson<{ alert: { state: string; acknowledged_by: string | null; acknowledged_at: string | null }; history: Array<{ event: string; note: string | null }> }>(
      `${demo.url}/v1/alerts/${target.id}`,
    );
    expect(after.alert.state).toBe('acknowledged');
    expect(after.alert.acknowledged_at).not.toBeNull();
    expect(after.history.at(-1)).toMatchObject({ event: 'acknowledged', note: 'acknowledged on the overview page' });
  }, 60_000);

  it('refreshes every 10 s while visible, not while the tab is hidden, and at once when it shows again', async () => {
    await page.click('#pause'); // resume
    const first = await page.getAttribute('main', 'data-rendered');
    await page.waitForFunction((g) => document.querySelector('main')?.getAttribute('data-rendered') !== g, first, { timeout: 20_000 });
    // Hidden: no more calls.
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.waitForTimeout(1500);
    const before = responses.matching('/v1/overview/now').length;
    await page.waitForTimeout(12_000);
    expect(responses.matching('/v1/overview/now').length).toBe(before);
    // Visible again after more than the interval: refreshed without waiting for the next tick.
    const hiddenRender = await page.getAttribute('main', 'data-rendered');
    const shownAt = Date.now();
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await until('a refresh after the tab shows again', async () => responses.matching('/v1/overview/now').length > before, 3000, 100);
    expect(Date.now() - shownAt).toBeLessThan(3000);
    // The view as a person sees it: refreshing, the acknowledged alert gone from the firing list.
    await page.waitForFunction((g) => document.querySelector('main')?.getAttribute('data-rendered') !== g, hiddenRender);
    await screenshot(page, 'now');
  }, 60_000);

  it('Volume: the charted and tabled numbers are the API’s, for a shared absolute range and team filter', async () => {
    // An absolute range ending in the past: the API must give the same answer again.
    const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000).toISOString();
    const from = new Date(Date.parse(to) - 6 * 3_600_000).toISOString();
    await openPage(page, demo.url, `page=volume&from=${from}&to=${to}`);
    const body = await responses.rendered(page, 'volume');
    const again = await getJson<OverviewBody>(`${demo.url}/v1/overview/volume?from=${from}&to=${to}`);
    expect(rowsOf(again, 'volume')).toEqual(rowsOf(body, 'volume'));
    expect(rowsOf(again, 'categories')).toEqual(rowsOf(body, 'categories'));

    const volume = rowsOf(body, 'volume');
    const channels = [...new Set(volume.map((r) => String(r.channel)))].sort();
    for (const ch of channels) {
      const cells = await columnTexts(page, '[data-panel="volume"] .sr-only table', `channel:${ch}`);
      const total = cells.reduce((a, c) => a + Number(c), 0);
      expect(total, ch).toBe(volume.filter((r) => r.channel === ch).reduce((a, r) => a + Number(r.tickets), 0));
    }
    expect(await columnTexts(page, '[data-panel="volume"] table.totals', 'channel')).toEqual(channels);
    const categories = rowsOf(body, 'categories');
    expect(await columnTexts(page, '[data-panel="categories"]', 'category')).toEqual(categories.map((r) => String(r.category)));
    expect(await columnTexts(page, '[data-panel="categories"]', 'tickets')).toEqual(categories.map((r) => int(r.tickets)));
    const surges = rowsOf(body, 'surges');
    expect(await page.$$eval('[data-panel="surges"] table.data tbody tr', (rows) => rows.length)).toBe(surges.length);
    // The surge list is newest first (uPlot's legend is a table too: hence table.data).
    const newestFirst = [...surges].sort((a, b) => Date.parse(String(b.time)) - Date.parse(String(a.time)));
    expect(await columnTexts(page, '[data-panel="surges"]', 'observed')).toEqual(newestFirst.map((r) => int(r.observed)));
    const ink = await canvasInk(page, 'main canvas');
    expect(ink.length).toBe(surges.length > 0 ? 2 : 1);
    for (const n of ink) expect(n).toBeGreaterThan(500);
    expect(await page.$$eval('[data-panel="categories"] svg rect', (r) => r.length)).toBe(categories.length);
    expect(await page.textContent('#range option:checked')).toContain('Custom');
    await checkAccessibility(page);
    await screenshot(page, 'volume');

    // Picking a team puts it in the URL and in the API call; the numbers follow.
    await page.waitForFunction(() => document.querySelectorAll('#filter-team option').length > 1);
    const team = await page.$eval('#filter-team', (s) => (s as HTMLSelectElement).options[1].value);
    await page.selectOption('#filter-team', team);
    await page.waitForFunction((t) => new URL(location.href).searchParams.get('team') === t, team);
    await page.waitForFunction((g) => document.querySelector('main')?.getAttribute('data-rendered') !== g, body.generated_at);
    const filtered = await responses.rendered(page, 'volume');
    expect(filtered.filters).toEqual({ team: [team] });
    expect(new URL(page.url()).searchParams.get('from')).toBe(from);
    const direct = await getJson<OverviewBody>(`${demo.url}/v1/overview/volume?from=${from}&to=${to}&team=${encodeURIComponent(team)}`);
    expect(rowsOf(direct, 'categories')).toEqual(rowsOf(filtered, 'categories'));
    expect(rowsOf(filtered, 'volume').reduce((a, r) => a + Number(r.tickets), 0)).toBeLessThan(volume.reduce((a, r) => a + Number(r.tickets), 0));
  }, 60_000);

  it('Root causes: the incident’s batch is listed with the API’s label and size', async () => {
    await openPage(page, demo.url, 'page=root-causes');
    const body = await responses.rendered(page, 'root-causes');
    const batches = rowsOf(body, 'batches');
    expect(await page.$$eval('[data-panel="batches"] tr[data-cluster-id]', (rows) => rows.map((r) => r.getAttribute('data-cluster-id')))).toEqual(batches.map((b) => String(b.cluster_id)));
    const incident = batches.find(isIncident);
    expect(incident, 'the incident batch is in the API answer').toBeDefined();
    const row = `[data-panel="batches"] tr[data-cluster-id="${incident!.cluster_id}"]`;
    expect(await page.textContent(`${row} td[data-col="label"] strong`)).toBe(String(incident!.label));
    expect(await page.textContent(`${row} td[data-col="size"]`)).toBe(int(incident!.size));
    expect(await page.textContent(`${row} td[data-col="sample_subjects"]`)).toMatch(INCIDENT);
    const bars = await page.$$eval('[data-panel="batches"] svg rect', (r) => r.map((x) => Number(x.getAttribute('width'))));
    expect(bars.length).toBe(Math.min(batches.length, 12));
    for (const w of bars) expect(w).toBeGreaterThan(0);
    await checkAccessibility(page);
    await screenshot(page, 'root-causes');
  }, 60_000);

  it('Agents: leaderboards and routing weights are the API’s; tabs work from the keyboard', async () => {
    await openPage(page, demo.url, 'page=agents');
    const body = await responses.rendered(page, 'agents');
    const bySkill = new Map<string, Array<Record<string, unknown>>>();
    for (const r of rowsOf(body, 'leaderboard')) bySkill.set(String(r.skill), [...(bySkill.get(String(r.skill)) ?? []), r]);
    expect(await page.$$eval('article[data-skill]', (a) => a.map((x) => x.getAttribute('data-skill')))).toEqual([...bySkill.keys()]);
    for (const [skill, rows] of bySkill) {
      const scope = `article[data-skill="${skill}"]`;
      expect(await columnTexts(page, scope, 'agent')).toEqual(rows.slice(0, 10).map((r) => String(r.agent)));
      expect(await columnTexts(page, scope, 'score')).toEqual(rows.slice(0, 10).map((r) => Number(r.score).toFixed(3)));
      expect(await page.$$eval(`${scope} svg circle`, (c) => c.length)).toBe(Math.min(rows.length, 10));
    }
    const weights = rowsOf(body, 'weights');
    expect(await columnTexts(page, '[data-panel="weights"]', 'agent')).toEqual(weights.map((r) => String(r.agent)));
    expect(await columnTexts(page, '[data-panel="weights"]', 'weight')).toEqual(weights.map((r) => pct(r.weight)));
    await checkAccessibility(page);
    await screenshot(page, 'agents');

    // Keyboard: arrows, Home and End move between tabs and load the page; Tab goes into it.
    await page.focus('#tab-agents');
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector('main[data-page="root-causes"][data-rendered]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-root-causes');
    expect(new URL(page.url()).searchParams.get('page')).toBe('root-causes');
    await page.keyboard.press('Home');
    await page.waitForSelector('main[data-page="now"]');
    expect(await page.getAttribute('#tab-now', 'aria-selected')).toBe('true');
    await page.keyboard.press('End');
    await page.waitForSelector('main[data-page="agents"]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-agents');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('page');
    // Enter on a focused tab is a button press.
    await page.focus('#tab-volume');
    await page.keyboard.press('Enter');
    await page.waitForSelector('main[data-page="volume"]');
  }, 60_000);

  it('switches between English and Chinese, and follows the browser language', async () => {
    await openPage(page, demo.url, 'page=now');
    expect(await page.textContent('#tab-now')).toBe('Now');
    await page.click('#lang-toggle');
    expect(await page.textContent('#tab-now')).toBe('当前');
    expect(await page.textContent('#tab-root-causes')).toBe('根因');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('[data-panel="compliance"] h2')).toBe('SLA 达标率');
    await screenshot(page, 'now-zh');
    await page.click('#lang-toggle');
    expect(await page.textContent('#tab-now')).toBe('Now');

    const zh = await browser.newContext({ locale: 'zh-CN' });
    const zhPage = await zh.newPage();
    await openPage(zhPage, demo.url, 'page=volume');
    expect(await zhPage.textContent('#tab-volume')).toBe('工单量');
    await zh.close();
  }, 60_000);
});

/** Every chart names itself and points at a table with its numbers; one tab stop for the tabs; nothing wider than the window. */
async function checkAccessibility(p: Page): Promise<void> {
  // Hidden data tables must stay out of the layout (no sideways scrolling).
  expect(await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  const charts = await chartAlternatives(p);
  expect(charts.length).toBeGreaterThan(0);
  for (const c of charts) {
    expect(c.label.length, 'aria-label').toBeGreaterThan(5);
    expect(c.tableRows, `table behind "${c.label.slice(0, 40)}…"`).toBeGreaterThan(0);
  }
  const tabs = await p.$$eval('[role="tab"]', (t) => t.map((x) => ({ tag: x.tagName, selected: x.getAttribute('aria-selected'), tabindex: x.getAttribute('tabindex') })));
  expect(tabs.filter((t) => t.selected === 'true')).toEqual([{ tag: 'BUTTON', selected: 'true', tabindex: '0' }]);
  expect(tabs.filter((t) => t.tabindex === '-1').length).toBe(tabs.length - 1);
}
