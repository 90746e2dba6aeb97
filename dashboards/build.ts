// Turns a DashboardSpec into Grafana dashboard JSON with the foundation SDK: rows,
// panels with their ClickHouse target, ids in reading order, positions from the SDK's
// grid flow, and the template variables. The classic (v1) dashboard model is used on
// purpose: it is what Grafana's file provisioning loads on every supported version.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ClickHouseQueryBuilder } from './clickhouse-query.ts';
import { datasourceRef } from './datasource.ts';
import type { PanelSpec, SourceTable } from './panels.ts';
import type { VariableSpec } from './variables.ts';

export const DASHBOARD_TAG = 'ticketpulse';

export interface RowSpec {
  title: string;
  panels: readonly PanelSpec[];
}

/** A panel designed for a table that does not exist yet: listed in README.md, never generated. */
export interface PendingPanel {
  title: string;
  question: string;
  /** The tables it waits for. */
  needs: readonly string[];
}

export interface DashboardSpec {
  uid: string;
  /** File name under dashboards/generated/. */
  file: string;
  title: string;
  description: string;
  tags?: readonly string[];
  variables: readonly VariableSpec[];
  rows: readonly RowSpec[];
  pending?: readonly PendingPanel[];
  time?: { from: string; to: string };
  refresh?: string;
}

export interface BuiltPanel {
  id: number;
  row: string;
  spec: PanelSpec;
}

export interface BuiltDashboard {
  spec: DashboardSpec;
  /** Plain JSON (what is written to dashboards/generated/). */
  json: Record<string, unknown>;
  panels: BuiltPanel[];
}

/** Tables a dashboard reads, for "panels per table" bookkeeping and the README. */
export function tablesOf(spec: DashboardSpec): SourceTable[] {
  return [...new Set(spec.rows.flatMap((r) => r.panels.flatMap((p) => p.tables)))].sort();
}

export function panelCount(spec: DashboardSpec): number {
  return spec.rows.reduce((n, r) => n + r.panels.length, 0);
}

export function buildDashboard(spec: DashboardSpec): BuiltDashboard {
  const b = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([DASHBOARD_TAG, ...(spec.tags ?? [])])
    .readonly()
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time(spec.time ?? { from: 'now-7d', to: 'now' })
    .refresh(spec.refresh ?? '1m')
    .annotation(
      // Grafana's own annotations, which every dashboard carries when saved from the UI.
      new dashboard.AnnotationQueryBuilder()
        .builtIn(1)
        .name('Annotations & Alerts')
        .type('dashboard')
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)'),
    )
    .link(
      new dashboard.DashboardLinkBuilder('TicketPulse')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  for (const v of spec.variables) b.withVariable(v.builder());

  let nextId = 1;
  const panels: BuiltPanel[] = [];
  for (const row of spec.rows) {
    b.withRow(new dashboard.RowBuilder(row.title).id(nextId++));
    for (const p of row.panels) {
      const id = nextId++;
      const target = new ClickHouseQueryBuilder(p.sql).refId('A').queryType(p.queryType);
      const panel = p
        .builder()
        .id(id)
        .title(p.title)
        .description(p.note ? `${p.question}\n\n${p.note}` : p.question)
        .datasource(datasourceRef())
        .span(p.width)
        .height(p.height)
        .withTarget(target);
      b.withPanel(panel);
      panels.push({ id, row: row.title, spec: p });
    }
  }
  // Through JSON once: drops the SDK's marker functions and undefined fields, so the
  // object is exactly what the generated file holds.
  const json = JSON.parse(JSON.stringify(b.build())) as Record<string, unknown>;
  // The SDK defaults links and annotations to `placement: inControlsMenu`, which recent
  // Grafana versions read as "hide inside the controls menu"; these belong in plain view.
  for (const list of [json.links, (json.annotations as { list?: unknown } | undefined)?.list]) {
    if (Array.isArray(list)) for (const item of list) delete (item as { placement?: unknown }).placement;
  }
  return { spec, json, panels };
}
