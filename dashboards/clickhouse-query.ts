// A typed target for the grafana-clickhouse-datasource plugin. The foundation SDK ships
// builders for core data sources only; this follows its documented custom-query
// pattern (a Dataquery variant plus a Builder<Dataquery>) so ClickHouse targets plug
// into the SDK's panel builders like any other query.
//
// Only the SQL editor is modelled: every panel is hand-written SQL using the plugin's
// macros. The query-builder editor's `builderOptions` would only duplicate the SQL.
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { CLICKHOUSE_PLUGIN_VERSION, datasourceRef } from './datasource.ts';

/**
 * The plugin's v4 query types (its `QueryType` enum). v3 spelled the time-series one
 * `timeSeries`; v4 reads `timeseries` and re-derives it from `format` on migration.
 */
export type ClickHouseQueryType = 'timeseries' | 'table';

/**
 * `format` is what the backend (grafana/sqlds) acts on: 0 = time series (long frames
 * are pivoted to wide, so rows must be ordered by time), 1 = table (returned as is).
 */
export const CLICKHOUSE_FORMAT = { timeseries: 0, table: 1 } as const satisfies Record<ClickHouseQueryType, number>;
export type ClickHouseFormat = (typeof CLICKHOUSE_FORMAT)[ClickHouseQueryType];

export interface ClickHouseQuery {
  // refId and hide are expected on every query.
  refId?: string;
  hide?: boolean;
  datasource?: DataSourceRef;
  pluginVersion: string;
  editorType: 'sql';
  queryType: ClickHouseQueryType;
  format: ClickHouseFormat;
  rawSql: string;
  // Marks this as a Dataquery variant for the SDK's type system; functions do not survive JSON.stringify.
  _implementsDataqueryVariant(): void;
}

export function defaultClickHouseQuery(): ClickHouseQuery {
  return {
    datasource: datasourceRef(),
    pluginVersion: CLICKHOUSE_PLUGIN_VERSION,
    editorType: 'sql',
    queryType: 'table',
    format: CLICKHOUSE_FORMAT.table,
    rawSql: '',
    _implementsDataqueryVariant() {},
  };
}

export class ClickHouseQueryBuilder implements Builder<Dataquery> {
  private readonly internal: ClickHouseQuery;

  constructor(rawSql = '') {
    this.internal = defaultClickHouseQuery();
    this.internal.rawSql = rawSql;
  }

  build(): ClickHouseQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  hide(hide: boolean): this {
    this.internal.hide = hide;
    return this;
  }

  datasource(datasource: DataSourceRef): this {
    this.internal.datasource = datasource;
    return this;
  }

  rawSql(rawSql: string): this {
    this.internal.rawSql = rawSql;
    return this;
  }

  /** Sets queryType and the matching backend format together: they must never disagree. */
  queryType(queryType: ClickHouseQueryType): this {
    this.internal.queryType = queryType;
    this.internal.format = CLICKHOUSE_FORMAT[queryType];
    return this;
  }

  timeSeries(): this {
    return this.queryType('timeseries');
  }

  table(): this {
    return this.queryType('table');
  }
}

/** True for a JSON target written by this builder (used by the dashboard checks). */
export function isClickHouseTarget(target: unknown): target is Omit<ClickHouseQuery, '_implementsDataqueryVariant'> {
  if (target === null || typeof target !== 'object') return false;
  const t = target as Record<string, unknown>;
  return t.editorType === 'sql' && typeof t.rawSql === 'string' && (t.queryType === 'timeseries' || t.queryType === 'table');
}
