// What the overview routes do before any SQL runs, without an engine: the query string
// they accept (range, filters, refusals naming the parameter), the SQL a panel becomes
// for a range and filters (the Grafana plugin's expansion), and a panel's own trailing
// SETTINGS split off so the engine can add readonly and the limits in one clause.
// The routes themselves (the app needs a ClickHouse to be built) run on the real
// embedded engine in tests/integration/overview-routes.test.ts.
import { describe, expect, it } from 'vitest';
import { PAGE_PANELS, intervalFor, parseOverviewQuery, variableStates, type OverviewQuery, type PanelRef } from '../../api/overview/index.ts';
import { splitSettings } from '../../api/overview/panels.ts';
import { TicketPulseError } from '../../core/errors.ts';
import { buildAll, expandQuery } from '../../dashboards/index.ts';

const BUILT = buildAll();
const NOW = Date.parse('2026-03-02T12:00:00Z');
const HOUR = 3_600_000;
const built = (ref: PanelRef) => {
  const dashboard = BUILT.find((d) => d.spec.uid === ref.dashboard)!;
  return { dashboard: dashboard.spec, panel: dashboard.panels.find((p) => p.spec.title === ref.title)!.spec };
};
const volume = PAGE_PANELS.volume.find((r) => r.key === 'volume')!;
/** The volume panel's SQL as the overview expands it (panels.ts OverviewPanels.expand). */
const expandVolume = (q: OverviewQuery) => {
  const { dashboard, panel } = built(volume);
  return expandQuery(panel.sql, { range: { from: q.from, to: q.to }, intervalMs: q.intervalMs, variables: variableStates(dashboard.variables, q) });
};

describe('the overview query string', () => {
  it('defaults to the last 24 hours with hourly buckets and every filter on All', () => {
    expect(parseOverviewQuery({}, NOW)).toEqual({ from: NOW - 24 * HOUR, to: NOW, intervalMs: HOUR, filters: {} });
  });

  it('takes ISO-8601 with an offset, epoch milliseconds and now-<n>m|h|d, and picks a bucket size for about 30 points', () => {
    const from = Date.parse('2026-03-01T00:00:00Z');
    expect(parseOverviewQuery({ from: '2026-03-01T00:00:00Z', to: String(from + 24 * HOUR) }, NOW)).toMatchObject({ from, to: from + 24 * HOUR, intervalMs: HOUR });
    expect(parseOverviewQuery({ from: '2026-03-01T01:00:00+01:00', to: 'now' }, NOW).from).toBe(from);
    expect(parseOverviewQuery({ from: 'now-7d', to: 'now-30m' }, NOW)).toMatchObject({ from: NOW - 7 * 24 * HOUR, to: NOW - 30 * 60_000, intervalMs: 6 * HOUR });
    expect(intervalFor(5 * 60_000)).toBe(60_000);
    expect(intervalFor(31 * 24 * HOUR)).toBe(24 * HOUR);
  });

  it('selects comma-separated and repeated values once each, letters beyond ASCII, spaces and parentheses included', () => {
    const q = parseOverviewQuery({ team: ['billing,sales EU', 'billing'], priority: 'high', tenant: '售后 (EU),(unassigned)' }, NOW);
    expect(q.filters).toEqual({ team: ['billing', 'sales EU'], priority: ['high'], tenant: ['售后 (EU)', '(unassigned)'] });
  });

  const refused: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a quote', { team: "a'b" }, 'team', /not a valid value/],
    ['an empty value', { team: 'billing,' }, 'team', /must not be empty/],
    ['a backslash', { team: 'x\\' }, 'team', /not a valid value/],
    ['a macro', { priority: 'high$__timeFilter' }, 'priority', /not a valid value/],
    ['braces', { channel: '{x}' }, 'channel', /not a valid value/],
    ['21 values', { tenant: Array.from({ length: 21 }, (_, i) => `t${i}`).join(',') }, 'tenant', /at most 20 values/],
    ['65 characters', { team: 'a'.repeat(65) }, 'team', /at most 64 characters/],
    ['a word for a time', { from: 'yesterday' }, 'from', /expected now, now-<n>m\|h\|d/],
    ['a time without offset', { to: '2026-03-01T00:00:00' }, 'to', /ISO-8601 with an offset/],
    ['a range ending before it starts', { from: 'now', to: 'now-1h' }, 'from', /at least 5 minutes before to/],
    ['more than 31 days', { from: 'now-40d' }, 'from', /at most 31 days/],
    ['a time given twice', { from: ['now-1h', 'now-2h'] }, 'from', /give it once/],
    ['an unknown parameter', { limit: '5' }, 'limit', /unknown query parameter/],
  ];
  it.each(refused)('refuses %s naming the parameter', (_what, query, field, message) => {
    let thrown: unknown;
    try {
      parseOverviewQuery(query, NOW);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TicketPulseError);
    expect(thrown).toMatchObject({ code: 'bad_request', field, message: expect.stringMatching(message) });
  });

  it('allows only the range on the filters route', () => {
    expect(() => parseOverviewQuery({ team: 'x' }, NOW, ['from', 'to'])).toThrow(/team: unknown query parameter; allowed: from, to/);
  });
});

describe("a panel's SQL for a range and filters", () => {
  it('puts the range, the bucket size and the selected values in, as the Grafana plugin does', () => {
    const from = Date.parse('2026-03-01T00:00:00Z');
    const to = from + 24 * HOUR;
    const sql = expandVolume(parseOverviewQuery({ from: '2026-03-01T00:00:00Z', to: String(to), team: 'billing,sales EU', priority: 'high' }, NOW));
    expect(sql).toContain("team IN ('billing','sales EU')");
    expect(sql).toContain("priority IN ('high')");
    expect(sql).toContain(`toDateTime(${from / 1000})`);
    expect(sql).toContain(`toDateTime(${to / 1000})`);
    expect(sql).toContain('INTERVAL 3600 second');
    expect(sql).not.toMatch(/\$|channel IN|tenant IN/);
  });

  it('leaves a filter that is absent on All (1=1)', () => {
    const sql = expandVolume(parseOverviewQuery({}, NOW));
    expect(sql).not.toMatch(/(team|priority|tenant|channel) IN \(/);
    expect(sql).toContain('1=1');
  });

  it('keeps values beyond ASCII, spaces and parentheses as they are', () => {
    expect(expandVolume(parseOverviewQuery({ team: '售后 (EU),(unassigned)' }, NOW))).toContain("team IN ('售后 (EU)','(unassigned)')");
  });
});

describe("a panel's own trailing SETTINGS", () => {
  const refs = Object.values(PAGE_PANELS).flat().filter((ref) => BUILT.some((d) => d.spec.uid === ref.dashboard && d.panels.some((p) => p.spec.title === ref.title)));
  const withSettings = refs.filter((ref) => /\bSETTINGS\s+\w+\s*=[^\n]*$/.test(built(ref).panel.sql));

  it('is split off the statement into settings (the SLA panels read ticket_sla FINAL per partition)', () => {
    expect(withSettings.map((r) => r.key)).toEqual(expect.arrayContaining(['compliance', 'compliance_trend', 'at_risk']));
    for (const ref of withSettings) {
      const sql = built(ref).panel.sql;
      const { statement, settings } = splitSettings(sql);
      expect(statement, ref.title).not.toMatch(/\bSETTINGS\b/);
      expect(sql.startsWith(statement), ref.title).toBe(true);
      const [, name, value] = /\bSETTINGS\s+(\w+)\s*=\s*(\d+)/.exec(sql)!;
      expect(settings, ref.title).toEqual({ [name]: Number(value) });
    }
  });

  it('leaves a panel without one as it is', () => {
    for (const ref of refs.filter((r) => !withSettings.includes(r))) expect(splitSettings(built(ref).panel.sql), ref.title).toEqual({ statement: built(ref).panel.sql, settings: {} });
  });

  it("takes several settings, numbers and quoted text, with or without a final semicolon", () => {
    expect(splitSettings("SELECT 1\nSETTINGS a = 1, b_2 = 'x y', c = -0.5;")).toEqual({ statement: 'SELECT 1', settings: { a: 1, b_2: 'x y', c: -0.5 } });
    // Not at the end: part of the statement.
    expect(splitSettings('SELECT 1 SETTINGS a = 1 FORMAT JSON').settings).toEqual({});
  });
});
