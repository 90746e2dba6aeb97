// Runs Grafana panels' own SQL for the overview: the panel is looked up in the
// dashboards as code (dashboards/catalogue.ts) by dashboard uid and title, expanded
// exactly as the Grafana ClickHouse plugin would expand it (dashboards/macros.ts) for
// the requested range and filters, and run read-only with the analysts' limits. So
// a number on the overview page and the same panel in Grafana come from one query.
import type { FastifyBaseLogger } from 'fastify';
import type { AnalystSql } from '../../core/clickhouse/index.ts';
import { parseEngineError, parseJsonCompact, type ReadResult } from '../../core/clickhouse/index.ts';
import { isTicketPulseError } from '../../core/errors.ts';
import type { BuiltDashboard, DashboardSpec, PanelSpec, VariableSpec } from '../../dashboards/index.ts';
import { ALL_VALUE, expandQuery, type VariableState } from '../../dashboards/macros.ts';
import { FILTERS, PAGE_PANELS, type FilterName, type OverviewPage, type PanelRef } from './pages.ts';
import type { OverviewQuery } from './query.ts';

/** Where expanded SQL runs; the route gives it the analysts' read engine. */
export type RunSql = (sql: string) => Promise<ReadResult>;

/** More rows than a person reads on one page; the panels have their own LIMITs, this is a backstop. */
export const MAX_ROWS = 1000;
const MAX_FILTER_OPTIONS = 200;

export type PanelStatus = 'ok' | 'pending' | 'error';

export interface PanelResult {
  key: string;
  dashboard: string;
  title: string;
  question: string;
  /** ok; pending: the dashboard lists the panel as waiting for its table; error: it failed (see error). */
  status: PanelStatus;
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
  truncated: boolean;
  error?: { code: string; message: string };
}

type Resolved = { status: 'ok'; dashboard: DashboardSpec; panel: PanelSpec } | { status: 'pending'; question: string };

/** The dashboards as code, as far as the overview needs them. */
export interface Catalogue {
  built: readonly BuiltDashboard[];
  /** Every dashboard, including panels still pending (waiting for their table). */
  specs: readonly DashboardSpec[];
  /** The ticket filter variables (tenant, team, priority, channel). */
  variables: readonly VariableSpec[];
}

/**
 * Loaded on first use: the dashboards module pulls in Grafana's foundation SDK, which
 * costs about half a second at start-up that processes never showing the page should not pay.
 */
export async function loadCatalogue(): Promise<Catalogue> {
  const d = await import('../../dashboards/index.ts');
  return { built: d.buildAll(), specs: d.DASHBOARDS, variables: d.TICKET_VARIABLES };
}

export class OverviewPanels {
  private catalogue: Promise<Catalogue> | null = null;

  constructor(
    private readonly run: RunSql,
    private readonly log?: FastifyBaseLogger,
    private readonly source: () => Promise<Catalogue> = loadCatalogue,
  ) {}

  private load(): Promise<Catalogue> {
    this.catalogue ??= this.source().catch((err: unknown) => {
      this.catalogue = null;
      throw err;
    });
    return this.catalogue;
  }

  /** The panel a reference names, or pending when its dashboard declares it as waiting for a table. */
  async resolve(ref: PanelRef): Promise<Resolved> {
    const { built, specs } = await this.load();
    const dashboard = built.find((d) => d.spec.uid === ref.dashboard);
    const panel = dashboard?.panels.find((p) => p.spec.title === ref.title);
    if (dashboard && panel) return { status: 'ok', dashboard: dashboard.spec, panel: panel.spec };
    const pending = specs.find((d) => d.uid === ref.dashboard)?.pending?.find((p) => p.title === ref.title);
    if (pending) return { status: 'pending', question: pending.question };
    throw new Error(`overview panel ${ref.dashboard} / ${ref.title} is neither in the dashboards nor pending there (api/overview/pages.ts)`);
  }

  /** The SQL Grafana would send for this panel with the query's range and filters. */
  expand(panel: PanelSpec, dashboard: DashboardSpec, q: OverviewQuery): string {
    return expandQuery(panel.sql, { range: { from: q.from, to: q.to }, intervalMs: q.intervalMs, variables: variableStates(dashboard.variables, q) });
  }

  async page(page: OverviewPage, q: OverviewQuery): Promise<PanelResult[]> {
    return Promise.all(PAGE_PANELS[page].map((ref) => this.panel(ref, q)));
  }

  async panel(ref: PanelRef, q: OverviewQuery): Promise<PanelResult> {
    const base = { key: ref.key, dashboard: ref.dashboard, title: ref.title, columns: [], rows: [], truncated: false };
    const resolved = await this.resolve(ref);
    if (resolved.status === 'pending') return { ...base, question: resolved.question, status: 'pending' };
    const { panel, dashboard } = resolved;
    try {
      const result = await this.run(this.expand(panel, dashboard, q));
      const missing = ref.columns.filter((c) => !result.columns.some((col) => col.name === c));
      if (missing.length > 0) {
        this.log?.error({ panel: ref.title, dashboard: ref.dashboard, missing }, 'overview panel no longer returns the columns the page reads');
        return { ...base, question: panel.question, status: 'error', error: { code: 'internal', message: `the panel does not return ${missing.join(', ')}` } };
      }
      const truncated = result.rows.length > MAX_ROWS;
      return { ...base, question: panel.question, status: 'ok', columns: result.columns, rows: truncated ? result.rows.slice(0, MAX_ROWS) : result.rows, truncated };
    } catch (err) {
      return { ...base, question: panel.question, status: 'error', error: this.publicError(err, ref) };
    }
  }

  /** Values to offer for each filter: the dashboards' own variable queries over the range. */
  async filterOptions(q: Pick<OverviewQuery, 'from' | 'to' | 'intervalMs'>): Promise<Record<FilterName, string[]>> {
    const { variables } = await this.load();
    const specs = FILTERS.map((name) => variables.find((v) => v.name === name));
    const lists = await Promise.all(
      specs.map(async (v) => {
        if (!v || v.kind !== 'query') return [];
        const sql = expandQuery(v.query, { range: { from: q.from, to: q.to }, intervalMs: q.intervalMs, variables: [] });
        const result = await this.run(sql);
        return result.rows.slice(0, MAX_FILTER_OPTIONS).map((r) => String(r[0]));
      }),
    );
    return Object.fromEntries(FILTERS.map((name, i) => [name, lists[i]])) as Record<FilterName, string[]>;
  }

  private publicError(err: unknown, ref: PanelRef): { code: string; message: string } {
    if (isTicketPulseError(err) && (err.code === 'rate_limited' || err.code === 'clickhouse_unavailable')) return { code: err.code, message: err.message };
    this.log?.error({ err, panel: ref.title, dashboard: ref.dashboard }, 'overview panel query failed');
    const engine = parseEngineError(err);
    if (engine.code === null && !isTicketPulseError(err)) return { code: 'clickhouse_unavailable', message: 'ClickHouse did not answer (temporary; retry later)' };
    return { code: 'clickhouse_query_failed', message: "the panel's query failed (details in the server log)" };
  }
}

/** The filters as Grafana variable selections; a filter left out is All. */
export function variableStates(variables: readonly VariableSpec[], q: Pick<OverviewQuery, 'filters'>): VariableState[] {
  return variables.map((v) => {
    const selected = (FILTERS as readonly string[]).includes(v.name) ? q.filters[v.name as FilterName] : undefined;
    if (v.kind === 'textbox') return { name: v.name, current: '' };
    return selected ? { name: v.name, current: selected, options: selected } : { name: v.name, current: [ALL_VALUE], options: [] };
  });
}

/** Runs panel SQL on the analysts' read engine: readonly = 1 and the configured limits, enforced by the engine. */
export function analystRunner(analyst: AnalystSql): RunSql {
  return async (sql) => {
    // The engine appends its own SETTINGS clause (readonly, limits); a statement may have only one.
    const { statement, settings } = splitSettings(sql);
    const body = await analyst.engine.run(statement, {
      format: 'JSONCompact',
      limits: analyst.limits,
      // Plain numbers in JSON, as the analysts' JSON has them.
      settings: { ...settings, output_format_json_quote_64bit_integers: 0 },
      lane: 'sql',
    });
    return parseJsonCompact(body);
  };
}

const TRAILING_SETTINGS = /\bSETTINGS\s+([A-Za-z_]\w*\s*=\s*(?:-?\d+(?:\.\d+)?|'[^'\\]*')(?:\s*,\s*[A-Za-z_]\w*\s*=\s*(?:-?\d+(?:\.\d+)?|'[^'\\]*'))*)\s*;?\s*$/;

/**
 * A panel's own trailing `SETTINGS a = 1, b = 'x'` (e.g. FINAL per partition), split off
 * so it can travel with the enforced settings, which win over it (readonly, limits).
 */
export function splitSettings(sql: string): { statement: string; settings: Record<string, string | number> } {
  const m = TRAILING_SETTINGS.exec(sql);
  if (!m) return { statement: sql, settings: {} };
  const settings: Record<string, string | number> = {};
  for (const part of m[1].split(/\s*,\s*(?=[A-Za-z_]\w*\s*=)/)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    settings[name] = value.startsWith("'") ? value.slice(1, -1) : Number(value);
  }
  return { statement: sql.slice(0, m.index).trimEnd(), settings };
}
