// The one data source every dashboard queries: the ClickHouse server through the
// grafana-clickhouse-datasource plugin. The uid is fixed so that the provisioned data
// source (dashboards/provisioning/datasources/clickhouse.yaml) and every panel agree
// without an import-time mapping step; tests check that they do.
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

/**
 * The plugin version the dashboards are written for, and the one docker-compose
 * installs. Targets carry it as `pluginVersion`: the plugin migrates any target whose
 * pluginVersion is missing or < 4.0.0 as a v3 query, so it must be a 4.x version.
 */
export const CLICKHOUSE_PLUGIN_VERSION = '4.21.2';

export const DATASOURCE_UID = 'ticketpulse-clickhouse';
export const DATASOURCE_NAME = 'TicketPulse ClickHouse';

export const DATASOURCE: Readonly<DataSourceRef> = Object.freeze({ type: CLICKHOUSE_PLUGIN_ID, uid: DATASOURCE_UID });

/** A fresh copy: the SDK's builders keep the object they are given, and JSON output must not share it. */
export function datasourceRef(): DataSourceRef {
  return { type: DATASOURCE.type, uid: DATASOURCE.uid };
}
