// Structural checks on generated dashboard JSON, run by `generate.ts --check` and the
// tests: what Grafana would accept silently but show wrong (overlapping or clipped
// panels, a panel on a data source that is not provisioned, a variable nobody defined).
import { CLICKHOUSE_FORMAT, isClickHouseTarget } from './clickhouse-query.ts';
import { CLICKHOUSE_PLUGIN_ID } from './datasource.ts';

export const GRID_COLUMNS = 24;

/** Grafana's globals (`$__from`, `${__value.raw}`, …) and plugin macros are never user variables. */
const isBuiltIn = (name: string) => name.startsWith('__');

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface JsonPanel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: GridPos;
  datasource?: { type?: string; uid?: string };
  targets?: unknown[];
  panels?: JsonPanel[];
  fieldConfig?: unknown;
}

export interface CheckOptions {
  /** The uid of the provisioned ClickHouse data source. */
  datasourceUid: string;
  /** uids of every generated dashboard, for links between them. */
  dashboardUids: readonly string[];
}

export function checkDashboard(json: Record<string, unknown>, opts: CheckOptions): string[] {
  const problems: string[] = [];
  const where = `dashboard ${String(json.uid)}`;
  const say = (m: string) => problems.push(`${where}: ${m}`);

  if (typeof json.uid !== 'string' || json.uid.length === 0 || json.uid.length > 40) say('uid must be 1–40 characters');
  if (typeof json.title !== 'string' || json.title === '') say('title is missing');

  const panels = flattenPanels((json.panels as JsonPanel[] | undefined) ?? []);
  if (panels.filter((p) => p.type !== 'row').length === 0) say('has no panels');

  // Ids: present and unique, rows included (Grafana keys panel state by id).
  const seen = new Map<number, string>();
  for (const p of panels) {
    if (typeof p.id !== 'number') {
      say(`panel "${p.title}" has no id`);
      continue;
    }
    const other = seen.get(p.id);
    if (other !== undefined) say(`panel id ${p.id} is used by "${other}" and "${p.title}"`);
    seen.set(p.id, p.title ?? '');
  }

  // Grid: inside 24 columns and no two panels on the same cell.
  for (const p of panels) {
    const g = p.gridPos;
    if (!g) {
      say(`panel "${p.title}" has no gridPos`);
      continue;
    }
    if (![g.x, g.y, g.w, g.h].every(Number.isInteger)) say(`panel "${p.title}" gridPos is not whole numbers`);
    if (g.x < 0 || g.y < 0 || g.w < 1 || g.h < 1 || g.x + g.w > GRID_COLUMNS) say(`panel "${p.title}" gridPos ${JSON.stringify(g)} is outside the ${GRID_COLUMNS}-column grid`);
  }
  for (let i = 0; i < panels.length; i++) {
    for (let j = i + 1; j < panels.length; j++) {
      const a = panels[i].gridPos;
      const b = panels[j].gridPos;
      if (a && b && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) {
        say(`panels "${panels[i].title}" and "${panels[j].title}" overlap`);
      }
    }
  }

  // Data sources: every ClickHouse reference is the provisioned one.
  const checkRef = (ref: unknown, what: string) => {
    if (ref === undefined || ref === null) return say(`${what} has no datasource`);
    const r = ref as { type?: string; uid?: string };
    if (r.type === 'grafana') return;
    if (r.type !== CLICKHOUSE_PLUGIN_ID) say(`${what} uses data source type ${String(r.type)}`);
    if (r.uid !== opts.datasourceUid) say(`${what} uses data source uid ${String(r.uid)}, not the provisioned ${opts.datasourceUid}`);
  };
  for (const p of panels) {
    if (p.type === 'row') continue;
    checkRef(p.datasource, `panel "${p.title}"`);
    const targets = p.targets ?? [];
    if (targets.length === 0) say(`panel "${p.title}" has no query`);
    const refIds = new Set<string>();
    for (const t of targets) {
      checkRef((t as { datasource?: unknown }).datasource, `panel "${p.title}" target`);
      if (!isClickHouseTarget(t)) {
        say(`panel "${p.title}" has a target that is not a ClickHouse SQL query`);
        continue;
      }
      if (t.format !== CLICKHOUSE_FORMAT[t.queryType]) say(`panel "${p.title}" target format ${t.format} does not match queryType ${t.queryType}`);
      if (!t.refId || refIds.has(t.refId)) say(`panel "${p.title}" target refId ${String(t.refId)} is missing or repeated`);
      refIds.add(t.refId ?? '');
      if (!/\$__timeFilter|\$__fromTime|\$__toTime|\$__timeInterval/.test(t.rawSql)) say(`panel "${p.title}" query ignores the dashboard time range`);
    }
  }
  const variables = ((json.templating as { list?: Array<{ name: string; type: string; datasource?: unknown; query?: unknown }> } | undefined)?.list ?? []);
  for (const v of variables) if (v.type === 'query') checkRef(v.datasource, `variable ${v.name}`);
  for (const a of ((json.annotations as { list?: Array<{ name?: string; datasource?: unknown }> } | undefined)?.list ?? [])) checkRef(a.datasource, `annotation ${a.name}`);

  // Variables: every one used is defined, every one defined is used.
  const defined = new Set(variables.map((v) => v.name));
  const used = new Set<string>();
  const scan = (text: string, what: string) => {
    for (const name of variableNames(text)) {
      if (isBuiltIn(name)) continue;
      used.add(name);
      if (!defined.has(name)) say(`${what} uses $${name}, which is not defined`);
    }
  };
  for (const p of panels) {
    if (p.title) scan(p.title, `panel "${p.title}" title`);
    for (const t of p.targets ?? []) if (isClickHouseTarget(t)) scan(t.rawSql, `panel "${p.title}"`);
    scan(JSON.stringify(p.fieldConfig ?? {}), `panel "${p.title}" links`);
  }
  for (const v of variables) if (typeof v.query === 'string') scan(v.query, `variable ${v.name}`);
  for (const name of defined) if (!used.has(name)) say(`variable ${name} is defined but no panel uses it`);

  // Links to other dashboards point at generated ones.
  for (const m of JSON.stringify(json.panels ?? []).matchAll(/\/d\/([A-Za-z0-9_-]+)/g)) {
    if (!opts.dashboardUids.includes(m[1])) say(`links to dashboard ${m[1]}, which is not generated`);
  }
  return problems;
}

/** Panels in reading order, with the panels of collapsed rows. */
function flattenPanels(panels: JsonPanel[]): JsonPanel[] {
  return panels.flatMap((p) => [p, ...flattenPanels(p.panels ?? [])]);
}

/** Names referenced as $name, ${name}, ${name:fmt}, ${name.field} or [[name]]. */
export function variableNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/\$(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\$\{(\w+)(?:\.[^:^}]+)?(?::[^}]+)?\}/g)) names.push(m[1] ?? m[2] ?? m[3]);
  return names;
}
