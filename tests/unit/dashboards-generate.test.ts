// Generated dashboards: up to date with the code, structurally sound, on the
// provisioned data source. The SQL itself runs in tests/integration/dashboards-panels.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  CLICKHOUSE_FORMAT,
  CLICKHOUSE_PLUGIN_ID,
  CLICKHOUSE_PLUGIN_VERSION,
  ClickHouseQueryBuilder,
  DASHBOARDS,
  DATASOURCE_UID,
  buildAll,
  checkAll,
  checkDashboard,
  isGenerated,
  panelCount,
  variableNames,
} from '../../dashboards/index.ts';
import { compare } from '../../dashboards/generate.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const BUILT = buildAll();
const provisioned = parseYaml(read('dashboards/provisioning/datasources/clickhouse.yaml')) as {
  datasources: Array<{ uid: string; type: string; name: string }>;
};

describe('generated files', () => {
  it('are up to date (npx tsx dashboards/generate.ts --check)', () => {
    const r = compare();
    expect(r.problems).toEqual([]);
    expect(r.stale, 'generated files no definition produces').toEqual([]);
    expect(r.outdated, 'run `npx tsx dashboards/generate.ts` and commit the result').toEqual([]);
  });

  it('exist for every dashboard with panels, and only for those', () => {
    expect(BUILT.map((d) => d.spec.file).sort()).toEqual(DASHBOARDS.filter(isGenerated).map((d) => d.file).sort());
    for (const d of BUILT) {
      expect(JSON.parse(read(`dashboards/generated/${d.spec.file}`))).toEqual(d.json);
    }
  });

  it('list every dashboard and panel with its question in dashboards/README.md', () => {
    const readme = read('dashboards/README.md');
    for (const spec of DASHBOARDS) {
      for (const row of spec.rows) for (const p of row.panels) expect(readme).toContain(`| ${p.title} | ${p.question} |`);
      for (const p of spec.pending ?? []) expect(readme).toContain(`| ${p.title} | ${p.question} |`);
    }
  });
});

describe('dashboard structure', () => {
  it('passes every check against the provisioned data source', () => {
    const [ds] = provisioned.datasources;
    expect(ds.uid).toBe(DATASOURCE_UID);
    expect(ds.type).toBe(CLICKHOUSE_PLUGIN_ID);
    expect(checkAll(BUILT, ds.uid)).toEqual([]);
  });

  it('has unique uids and titles across dashboards', () => {
    expect(new Set(DASHBOARDS.map((d) => d.uid)).size).toBe(DASHBOARDS.length);
    expect(new Set(DASHBOARDS.map((d) => d.title)).size).toBe(DASHBOARDS.length);
    expect(new Set(DASHBOARDS.map((d) => d.file)).size).toBe(DASHBOARDS.length);
  });

  it('gives every panel a question and its tables; an empty dashboard says what it waits for', () => {
    for (const spec of DASHBOARDS) {
      for (const row of spec.rows) {
        for (const p of row.panels) {
          expect(p.question, p.title).toMatch(/\?$/);
          expect(p.tables.length, p.title).toBeGreaterThan(0);
        }
      }
      if (panelCount(spec) === 0) expect(spec.pending?.length ?? 0, spec.uid).toBeGreaterThan(0);
      for (const p of spec.pending ?? []) expect(p.needs.length, p.title).toBeGreaterThan(0);
    }
  });

  it('writes every target as plugin v4 SQL with matching queryType and format', () => {
    for (const d of BUILT) {
      for (const panel of d.json.panels as Array<{ type: string; targets?: Array<Record<string, unknown>> }>) {
        if (panel.type === 'row') continue;
        for (const t of panel.targets ?? []) {
          expect(t).toMatchObject({ editorType: 'sql', pluginVersion: CLICKHOUSE_PLUGIN_VERSION, datasource: { type: CLICKHOUSE_PLUGIN_ID, uid: DATASOURCE_UID } });
          expect(t.format).toBe(CLICKHOUSE_FORMAT[t.queryType as 'table' | 'timeseries']);
          expect(Object.keys(t)).not.toContain('_implementsDataqueryVariant');
        }
        if (panel.type === 'timeseries') expect(panel.targets?.[0].queryType).toBe('timeseries');
      }
    }
  });
});

describe('panels other code relies on', () => {
  const panel = (uid: string, title: string) => {
    const p = BUILT.find((d) => d.spec.uid === uid)?.panels.find((x) => x.spec.title === title);
    if (!p) throw new Error(`${uid} has no panel "${title}"`);
    return p;
  };
  /** The columns a result has, in order: a table's, or a time series' time, labels, values. */
  const columnsOf = (uid: string, title: string): string[] => {
    const shape = panel(uid, title).spec.shape;
    if (shape.kind === 'table') return [...shape.columns];
    if (shape.kind === 'timeseries') return ['time', ...shape.labels, ...shape.values];
    if (shape.kind === 'category') return [shape.category, ...shape.values];
    return [...shape.values];
  };

  // The overview web page runs these panels' SQL by dashboard uid and title and reads
  // these columns: renaming a panel or moving a column breaks the page.
  it.each([
    ['ticketpulse-sla', 'Compliance now, by metric', ['metric', 'met', 'breached', 'compliance']],
    ['ticketpulse-sla', 'Compliance over time', ['time', 'metric', 'compliance']],
    ['ticketpulse-sla', 'Breached and at-risk right now', ['ticket_id', 'metric', 'state', 'priority', 'team', 'deadline', 'minutes_left']],
    ['ticketpulse-root-causes', 'Active root-cause batches', ['cluster_id', 'label', 'status', 'size', 'growth', 'concentration', 'sample_subjects']],
    ['ticketpulse-root-causes', 'Surge timeline', ['time', 'scope', 'observed', 'expected']],
    ['ticketpulse-agents', 'Skill leaderboard', ['skill', 'agent', 'score', 'lower', 'upper', 'tickets']],
    ['ticketpulse-agents', 'Current routing weights', ['skill', 'team', 'agent', 'weight', 'version']],
    ['ticketpulse-operations', 'Ticket volume by channel', ['time', 'channel', 'tickets']],
    ['ticketpulse-operations', 'Top 10 categories', ['category', 'tickets']],
  ] as const)('%s / %s returns %j first', (uid, title, columns) => {
    expect(columnsOf(uid, title).slice(0, columns.length)).toEqual(columns);
  });

  it('colours every hour column of the weekday × hour table, and nothing else', () => {
    const built = BUILT.find((d) => d.spec.uid === 'ticketpulse-sla')!;
    const json = (built.json.panels as Array<{ title: string; fieldConfig: { overrides: Array<{ matcher: { id: string; options: string } }> } }>).find((p) => p.title === 'Breaches by hour of week')!;
    const matcher = json.fieldConfig.overrides.find((o) => o.matcher.id === 'byRegexp')!.matcher.options;
    // Grafana reads '/body/flags' as a JavaScript regular expression.
    const [, body, flags] = /^\/(.*)\/(\w*)$/.exec(matcher)!;
    const re = new RegExp(body, flags);
    const columns = columnsOf('ticketpulse-sla', 'Breaches by hour of week');
    expect(columns.filter((c) => re.test(c))).toEqual(Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')));
    expect(columns.filter((c) => !re.test(c))).toEqual(['weekday']);
  });
});

describe('the checks catch what they are for', () => {
  const opts = { datasourceUid: DATASOURCE_UID, dashboardUids: ['d'] };
  const ds = { type: CLICKHOUSE_PLUGIN_ID, uid: DATASOURCE_UID };
  const target = (rawSql: string) => ({ refId: 'A', datasource: ds, editorType: 'sql', queryType: 'table', format: 1, rawSql });
  const panel = (id: number, x: number, y: number, w: number, h: number, rawSql = 'SELECT 1 WHERE $__timeFilter(t)') => ({
    id,
    type: 'table',
    title: `p${id}`,
    datasource: ds,
    gridPos: { x, y, w, h },
    targets: [target(rawSql)],
  });
  const dash = (panels: unknown[], variables: unknown[] = []) => ({ uid: 'd', title: 'D', panels, templating: { list: variables } });

  it('passes a sound dashboard', () => {
    expect(checkDashboard(dash([panel(1, 0, 0, 12, 8), panel(2, 12, 0, 12, 8)]), opts)).toEqual([]);
  });

  it('finds duplicate ids, overlaps and panels outside the grid', () => {
    expect(checkDashboard(dash([panel(1, 0, 0, 12, 8), panel(1, 12, 0, 12, 8)]), opts).join('\n')).toMatch(/id 1 is used by/);
    expect(checkDashboard(dash([panel(1, 0, 0, 12, 8), panel(2, 6, 4, 12, 8)]), opts).join('\n')).toMatch(/overlap/);
    expect(checkDashboard(dash([panel(1, 16, 0, 12, 8)]), opts).join('\n')).toMatch(/outside the 24-column grid/);
  });

  it('finds a foreign data source and undefined or unused variables', () => {
    const foreign = { ...panel(1, 0, 0, 24, 8), datasource: { type: CLICKHOUSE_PLUGIN_ID, uid: 'other' } };
    expect(checkDashboard(dash([foreign]), opts).join('\n')).toMatch(/uid other, not the provisioned/);
    const undefinedVar = panel(1, 0, 0, 24, 8, 'SELECT 1 WHERE $__timeFilter(t) AND team IN (${team})');
    expect(checkDashboard(dash([undefinedVar]), opts).join('\n')).toMatch(/uses \$team, which is not defined/);
    const unused = { name: 'tenant', type: 'query', datasource: ds, query: 'SELECT 1' };
    expect(checkDashboard(dash([panel(1, 0, 0, 24, 8)], [unused]), opts).join('\n')).toMatch(/tenant is defined but no panel uses it/);
  });

  it('finds a query that ignores the time range and a link to a missing dashboard', () => {
    expect(checkDashboard(dash([panel(1, 0, 0, 24, 8, 'SELECT 1')]), opts).join('\n')).toMatch(/ignores the dashboard time range/);
    const linked = { ...panel(1, 0, 0, 24, 8), fieldConfig: { defaults: { links: [{ url: '/d/missing/x?var-a=${__value.raw}' }] } } };
    expect(checkDashboard(dash([linked]), opts).join('\n')).toMatch(/links to dashboard missing/);
  });

  it('reads every variable syntax', () => {
    expect(variableNames('$a ${b} ${c:sqlstring} ${d.text} [[e]] [[f:csv]] $__from ${__value.raw}')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', '__from', '__value']);
  });
});

describe('ClickHouseQueryBuilder', () => {
  it('builds a plugin target that serialises without SDK internals', () => {
    const q = new ClickHouseQueryBuilder('SELECT 1').refId('B').timeSeries().build();
    expect(JSON.parse(JSON.stringify(q))).toEqual({
      datasource: { type: CLICKHOUSE_PLUGIN_ID, uid: DATASOURCE_UID },
      pluginVersion: CLICKHOUSE_PLUGIN_VERSION,
      editorType: 'sql',
      queryType: 'timeseries',
      format: 0,
      rawSql: 'SELECT 1',
      refId: 'B',
    });
    expect(new ClickHouseQueryBuilder().table().rawSql('x').build()).toMatchObject({ queryType: 'table', format: 1, rawSql: 'x' });
  });
});
