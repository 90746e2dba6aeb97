// Panel specifications: one SQL query, the question it answers, the tables it reads,
// the shape its result must have, and the SDK builder that renders it. build.ts adds
// ids, positions, data source and target; the panel-SQL tests run every spec's SQL
// and check the shape.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarChartBuilder } from '@grafana/grafana-foundation-sdk/barchart';
import { PanelBuilder as BarGaugeBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import type { ClickHouseQueryType } from './clickhouse-query.ts';

/** Tables a panel may read. A panel is written only once its table exists in core/schema. */
export type SourceTable =
  | 'ticket_events'
  | 'dead_letters'
  | 'ticket_sla'
  | 'agent_scores'
  | 'routing_weights'
  | 'surges'
  | 'clusters'
  | 'ticket_clusters'
  | 'alerts'
  | 'alert_deliveries'
  | 'processor_runs'
  | 'kafka_consumer_lag';

/**
 * What the query must return for the visualisation (checked against real results):
 * - timeseries: a DateTime column `time` first, ordered ascending (the backend pivots
 *   long frames by time), the numeric `values`, and the string `labels` that split series;
 * - table: exactly `columns`, in order;
 * - stat: numeric `values`;
 * - category (bar gauge, bar chart): a string `category` column first, then numeric `values`.
 */
export type PanelShape =
  | { kind: 'timeseries'; values: readonly string[]; labels: readonly string[] }
  | { kind: 'table'; columns: readonly string[] }
  | { kind: 'stat'; values: readonly string[] }
  | { kind: 'category'; category: string; values: readonly string[] };

/** The SDK panel builders share these methods; build.ts needs no more. */
export interface SdkPanelBuilder {
  build(): dashboard.Panel;
  id(id: number): this;
  title(title: string): this;
  description(description: string): this;
  datasource(datasource: common.DataSourceRef): this;
  span(w: number): this;
  height(h: number): this;
  withTarget(target: import('@grafana/grafana-foundation-sdk/cog').Builder<import('@grafana/grafana-foundation-sdk/cog').Dataquery>): this;
}

export interface PanelSpec {
  title: string;
  /** The question the panel answers: its description in Grafana and its line in README.md. */
  question: string;
  /** Extra detail for the panel's description (definitions, caveats). */
  note?: string;
  tables: readonly SourceTable[];
  sql: string;
  queryType: ClickHouseQueryType;
  shape: PanelShape;
  width: number;
  height: number;
  builder(): SdkPanelBuilder;
}

interface Common {
  title: string;
  question: string;
  note?: string;
  tables: readonly SourceTable[];
  sql: string;
  width?: number;
  height?: number;
  unit?: string;
}

const override = (id: string, value: unknown): dashboard.DynamicConfigValue => ({ id, value });

// ---------------------------------------------------------------------------

export interface TimeSeriesOptions extends Common {
  values: readonly string[];
  /** String columns that split the values into series (long format). */
  labels?: readonly string[];
  stacked?: boolean;
  bars?: boolean;
  min?: number;
  max?: number;
  /** Value columns drawn against a second axis on the right, with their own unit. */
  rightAxis?: Readonly<Record<string, string>>;
  /**
   * Sparse series (a few points per range, e.g. daily runs on an hourly axis): draw
   * every point and join them across empty intervals, or they would not show at all.
   */
  sparse?: boolean;
}

export function timeSeries(o: TimeSeriesOptions): PanelSpec {
  const labels = o.labels ?? [];
  return {
    ...specBase(o, 12, 8),
    queryType: 'timeseries',
    shape: { kind: 'timeseries', values: o.values, labels },
    builder() {
      const b = new TimeSeriesBuilder()
        .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
        .lineWidth(1)
        .fillOpacity(o.stacked ? 60 : 10)
        .showPoints(o.sparse ? common.VisibilityMode.Always : common.VisibilityMode.Never)
        .spanNulls(o.sparse ?? false);
      if (o.bars) b.drawStyle(common.GraphDrawStyle.Bars);
      if (o.stacked) b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
      if (o.unit) b.unit(o.unit);
      if (o.min !== undefined) b.min(o.min);
      if (o.max !== undefined) b.max(o.max);
      // One value column split by one label: name each series by its label value.
      if (o.values.length === 1 && labels.length === 1) b.displayName(`\${__field.labels.${labels[0]}}`);
      for (const [column, unit] of Object.entries(o.rightAxis ?? {})) {
        b.overrideByName(column, [override('custom.axisPlacement', common.AxisPlacement.Right), override('unit', unit)]);
      }
      return b;
    },
  };
}

// ---------------------------------------------------------------------------

export interface TableOptions extends Common {
  columns: readonly string[];
  /** Units per column (Grafana unit ids: 'h', 'percentunit', 'dateTimeAsIso', …). */
  units?: Readonly<Record<string, string>>;
  /** Columns drawn as a gauge bar in the cell, with their [min, max]. */
  gauges?: Readonly<Record<string, readonly [number, number]>>;
  /** Column → data link (Grafana URL template, e.g. ticketLink()). */
  links?: Readonly<Record<string, { title: string; url: string }>>;
  /**
   * Columns (a Grafana field-name regexp such as '/^\\d\\d$/') whose cells are coloured
   * by value, green to red: a table that reads as a heatmap (e.g. weekday × hour).
   */
  heatColumns?: string;
  /** Column filters in the header, for long lists (members of many batches). */
  filterable?: boolean;
}

export function table(o: TableOptions): PanelSpec {
  return {
    ...specBase(o, 24, 9),
    queryType: 'table',
    shape: { kind: 'table', columns: o.columns },
    builder() {
      const b = new TableBuilder().cellHeight(common.TableCellHeight.Sm);
      if (o.unit) b.unit(o.unit);
      for (const [column, unit] of Object.entries(o.units ?? {})) b.overrideByName(column, [override('unit', unit)]);
      for (const [column, [min, max]] of Object.entries(o.gauges ?? {})) {
        b.overrideByName(column, [
          override('custom.cellOptions', { type: common.TableCellDisplayMode.Gauge, mode: common.BarGaugeDisplayMode.Basic }),
          override('min', min),
          override('max', max),
        ]);
      }
      for (const [column, link] of Object.entries(o.links ?? {})) {
        b.overrideByName(column, [override('links', [{ title: link.title, url: link.url, targetBlank: false }])]);
      }
      if (o.heatColumns) {
        b.overrideByRegexp(o.heatColumns, [
          override('custom.cellOptions', { type: common.TableCellDisplayMode.ColorBackground, mode: common.TableCellBackgroundDisplayMode.Gradient }),
          override('color', { mode: 'continuous-GrYlRd' }),
          override('min', 0),
          override('custom.align', 'center'),
        ]);
      }
      if (o.filterable) b.filterable(true);
      return b;
    },
  };
}

// ---------------------------------------------------------------------------

export interface StatOptions extends Common {
  values: readonly string[];
  decimals?: number;
}

export function stat(o: StatOptions): PanelSpec {
  return {
    ...specBase(o, 6, 4),
    queryType: 'table',
    shape: { kind: 'stat', values: o.values },
    builder() {
      const b = new StatBuilder()
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.None)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false).fields(''));
      if (o.unit) b.unit(o.unit);
      if (o.decimals !== undefined) b.decimals(o.decimals);
      return b;
    },
  };
}

// ---------------------------------------------------------------------------

export interface CategoryOptions extends Common {
  category: string;
  values: readonly string[];
  /** Bar chart only: the values of one category stacked into one bar (parts of a whole). */
  stacked?: boolean;
}

/** Horizontal bars, one per row of the result: rankings and top-N lists. */
export function barGauge(o: CategoryOptions): PanelSpec {
  return {
    ...specBase(o, 12, 8),
    queryType: 'table',
    shape: { kind: 'category', category: o.category, values: o.values },
    builder() {
      const b = new BarGaugeBuilder()
        .orientation(common.VizOrientation.Horizontal)
        .displayMode(common.BarGaugeDisplayMode.Basic)
        .showUnfilled(true)
        .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]).fields(''));
      if (o.unit) b.unit(o.unit);
      return b;
    },
  };
}

/** Vertical bars over an ordered string axis: distributions in fixed buckets. */
export function barChart(o: CategoryOptions): PanelSpec {
  return {
    ...specBase(o, 12, 8),
    queryType: 'table',
    shape: { kind: 'category', category: o.category, values: o.values },
    builder() {
      const b = new BarChartBuilder()
        .xField(o.category)
        .orientation(common.VizOrientation.Vertical)
        .showValue(common.VisibilityMode.Auto)
        .legend(new common.VizLegendOptionsBuilder().showLegend(o.values.length > 1).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom));
      if (o.stacked) b.stacking(common.StackingMode.Normal);
      if (o.unit) b.unit(o.unit);
      return b;
    },
  };
}

function specBase(o: Common, width: number, height: number) {
  return {
    title: o.title,
    question: o.question,
    note: o.note,
    tables: o.tables,
    sql: o.sql,
    width: o.width ?? width,
    height: o.height ?? height,
  };
}
