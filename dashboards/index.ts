// Grafana dashboards as code: definitions → dashboard JSON (dashboards/generated/),
// the ClickHouse target builder, the plugin's macro expansion (for running panel SQL
// outside Grafana) and the structural checks.
export { DASHBOARDS, buildAll, isGenerated } from './catalogue.ts';
export { buildDashboard, panelCount, tablesOf, DASHBOARD_TAG } from './build.ts';
export type { BuiltDashboard, BuiltPanel, DashboardSpec, PendingPanel, RowSpec } from './build.ts';
export { ClickHouseQueryBuilder, CLICKHOUSE_FORMAT, defaultClickHouseQuery, isClickHouseTarget } from './clickhouse-query.ts';
export type { ClickHouseQuery, ClickHouseQueryType, ClickHouseFormat } from './clickhouse-query.ts';
export { CLICKHOUSE_PLUGIN_ID, CLICKHOUSE_PLUGIN_VERSION, DATASOURCE, DATASOURCE_NAME, DATASOURCE_UID, datasourceRef } from './datasource.ts';
export { ALL_VALUE, BACKEND_MACROS, MacroError, applyConditionalAll, expandQuery, interpolateMacros, parseArgs, replaceTemplateVariables } from './macros.ts';
export type { ExpandContext, TimeRange, VariableState } from './macros.ts';
export { barChart, barGauge, stat, table, timeSeries } from './panels.ts';
export type { PanelShape, PanelSpec, SourceTable } from './panels.ts';
export { checkDashboard, variableNames, GRID_COLUMNS } from './checks.ts';
export type { CheckOptions } from './checks.ts';
export { CATALOGUE_END, CATALOGUE_START, GENERATED_DIR, README, checkAll, dashboardJson, renderCatalogue, renderDashboards, withCatalogue } from './render.ts';
export { LOOKBACK_DAYS, TICKET_FILTER_VARIABLES, inFilter, sql, ticketFilters } from './sql.ts';
export { TICKET_VARIABLES } from './variables.ts';
export type { VariableSpec } from './variables.ts';
export { TICKET_DASHBOARD_UID, ticketLink } from './links.ts';
