// The overview page when the API has keys, in headless Chromium: the shell loads
// without a key, the page asks for one, keeps it for the tab (sessionStorage) and
// sends it as a Bearer token; a read key sees alerts without acknowledge buttons, an
// admin key gets them. Real embedded ClickHouse (empty tables); the alerts port is an
// in-memory stand-in, the real acknowledge path is covered by overview-browser.test.ts.
// With keys the API may listen beyond loopback; the page is opened through the
// machine's LAN address over plain http, as a colleague's browser would.
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createServer, listen } from '../../api/server.ts';
import { TicketPulseError } from '../../core/errors.ts';
import type { AlertDto, AlertsPort } from '../../core/ports/alerts.ts';
import { apiConfigFor, testKey } from '../support/api.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { Responses, chromiumAvailable, launchChromium } from '../support/overview-browser.ts';

const RUN = chromiumAvailable();
const reader = testKey(['read'], { name: 'wallboard' });
const admin = testKey(['read', 'admin'], { name: 'lead' });

function alert(id: string): AlertDto {
  const at = new Date().toISOString();
  return {
    id, dedup_key: id, kind: 'sla_breached', severity: 'critical', state: 'firing', subject: { type: 'ticket', id: 'T-1' }, summary: `Ticket T-1 breached (${id})`,
    details: {}, labels: {}, links: [], fired_at: at, last_seen_at: at, updated_at: at, acknowledged_at: null, acknowledged_by: null,
    resolved_at: null, resolved_by: null, resolution: null, escalation_level: 0, notifications: 0, occurrences: 1, version: 1,
  };
}

/** Just enough of the alerts port for the page: a list of firing alerts and acknowledge. */
function memoryAlerts(): AlertsPort & { acked: Array<{ id: string; by: string }> } {
  const alerts = [alert('a-1'), alert('a-2')];
  const acked: Array<{ id: string; by: string }> = [];
  const nope = async (): Promise<never> => {
    throw new TicketPulseError('not_found', 'not here');
  };
  return {
    acked,
    list: async (q) => ({ alerts: alerts.filter((a) => !q.state || q.state.includes(a.state as 'firing')), next_cursor: null }),
    get: nope,
    resolve: nope,
    listDeliveries: nope,
    deliveryStats: nope,
    async ack(id, by) {
      const a = alerts.find((x) => x.id === id);
      if (!a) throw new TicketPulseError('not_found', `no alert ${id}`);
      a.state = 'acknowledged';
      a.acknowledged_by = by;
      acked.push({ id, by });
      return a;
    },
  };
}

/** A non-loopback IPv4 address of this machine, if it has one. */
function lanAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}

let t: TestClickHouse;
let server: FastifyInstance;
let base: string;
let browser: Browser;
const alertsPort = memoryAlerts();

describe.skipIf(!RUN)('overview page with API keys', () => {
  beforeAll(async () => {
    t = await openTestClickHouse('overview-keys');
    server = await createServer({
      logLevel: 'warn',
      app: {
        ch: t.ch,
        ingestor: { ingest: async () => ({ accepted: 0, rejected: 0, errors: [] }) },
        readiness: [],
        config: apiConfigFor({ keys: [reader.entry, admin.entry] }),
        alerts: alertsPort,
      },
    });
    const port = new URL(await listen(server, '0.0.0.0', 0)).port;
    base = `http://${lanAddress() ?? '127.0.0.1'}:${port}`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.cleanup();
  });

  async function signIn(context: BrowserContext, key: string): Promise<{ page: Page; responses: Responses }> {
    const page = await context.newPage();
    const responses = new Responses(page);
    await page.goto(`${base}/?page=now`);
    await page.waitForSelector('#api-key', { state: 'visible' });
    await page.fill('#api-key', key);
    await page.press('#api-key', 'Enter');
    await page.waitForSelector('main[data-page="now"][data-rendered]');
    return { page, responses };
  }

  it('asks for a key, refuses a wrong one, keeps a good one for the tab and sends it as a Bearer token', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const responses = new Responses(page);
    await page.goto(`${base}/?page=now`);
    await page.waitForSelector('#api-key', { state: 'visible' });
    expect(await page.$('main[data-rendered]')).toBeNull();

    await page.fill('#api-key', testKey(['read']).key);
    await page.click('.key-form button[type="submit"]');
    await page.waitForSelector('.key-form [role="alert"]:has-text("The key was refused")');
    expect(await page.evaluate(() => sessionStorage.getItem('ticketpulse.apiKey'))).toBeNull();

    await page.fill('#api-key', reader.key);
    await page.press('#api-key', 'Enter');
    await page.waitForSelector('main[data-page="now"][data-rendered]');
    expect(await page.isHidden('.key-form')).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('ticketpulse.apiKey'))).toBe(reader.key);
    const calls = responses.matching('/v1/overview/now');
    expect(calls.at(-1)!.status).toBe(200);
    expect(calls.at(-1)!.headers.authorization).toBe(`Bearer ${reader.key}`);
    // Nothing decided yet on an empty database: compliance shows as unknown, not 0 %.
    expect(await page.textContent('article[data-metric="resolution"] [data-value="compliance"]')).toBe('–');
    // A read key sees the alerts but cannot acknowledge them.
    expect(await page.$$eval('[data-panel="alerts"] tr[data-alert-id]', (r) => r.length)).toBe(2);
    expect(await page.$$('button.ack')).toHaveLength(0);

    // A reload keeps the key (same tab); a new tab asks again (sessionStorage is per tab).
    await page.reload();
    await page.waitForSelector('main[data-page="now"][data-rendered]');
    expect(await page.isHidden('.key-form')).toBe(true);
    const other = await context.newPage();
    await other.goto(`${base}/`);
    await other.waitForSelector('#api-key', { state: 'visible' });

    // Forgetting the key asks for one again.
    await page.click('#forget-key');
    await page.waitForSelector('#api-key', { state: 'visible' });
    expect(await page.evaluate(() => sessionStorage.getItem('ticketpulse.apiKey'))).toBeNull();
    await context.close();
  }, 60_000);

  it('gives an admin key acknowledge buttons that act as that key', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const { page } = await signIn(context, admin.key);
    const buttons = await page.$$('button.ack');
    expect(buttons).toHaveLength(2);
    expect(await buttons[0].getAttribute('aria-label')).toBe('Acknowledge alert: Ticket T-1 breached (a-1)');
    // Keyboard: focus the button, press Enter.
    await buttons[0].focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('tr[data-alert-id="a-1"] .acked');
    expect(alertsPort.acked).toEqual([{ id: 'a-1', by: `key:${admin.entry.id}` }]);
    await context.close();
  }, 60_000);
});
