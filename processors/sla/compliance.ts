// SQL over ticket_sla: compliance, breach counts and times by any ticket dimension and
// time bucket; the biggest breach holders; tickets at risk now. The same builders
// back the API, the compliance rules and the dashboards. Values are always bound as
// query parameters; identifiers (group-by columns, bucket intervals) only ever come
// from the allowlists below, never from the caller's text.
//
// Population: the latest version of each ticket × metric (FINAL) that is decided —
// met, or breached — with its decision instant (decided_at: breached_at for a breach,
// met_at otherwise) in [from, to). Times (median, p90) are the business minutes used
// by the metrics that have stopped (met on time or late).
import { toClickHouseTime } from '../../core/events/row.ts';
import { COMPLIANCE_DIMENSIONS, SLA_METRICS, type ComplianceDimension, type SlaMetric } from '../../core/config/sla.ts';

/** Columns compliance can be grouped by: the ticket dimensions, the metric and the policy. */
export const COMPLIANCE_GROUPS = ['metric', 'policy', ...COMPLIANCE_DIMENSIONS] as const;
export type ComplianceGroup = (typeof COMPLIANCE_GROUPS)[number];

/** Time buckets and the interval each one means. */
export const COMPLIANCE_BUCKETS = {
  '5m': 'INTERVAL 5 MINUTE',
  '15m': 'INTERVAL 15 MINUTE',
  '1h': 'INTERVAL 1 HOUR',
  '6h': 'INTERVAL 6 HOUR',
  '1d': 'INTERVAL 1 DAY',
  '1w': 'INTERVAL 1 WEEK',
} as const;
export type ComplianceBucket = keyof typeof COMPLIANCE_BUCKETS;

export type DimensionFilter = Partial<Record<ComplianceDimension, readonly string[]>>;

export interface ComplianceQueryOptions {
  /** Decision instants in [from, to), epoch ms. */
  from: number;
  to: number;
  /** Default: all three. */
  metrics?: readonly SlaMetric[];
  groupBy?: readonly ComplianceGroup[];
  bucket?: ComplianceBucket;
  /** Only these values per dimension (a list means any of them). */
  where?: DimensionFilter;
  /** At most this many groups (default 10,000). */
  limit?: number;
  /**
   * For dashboards only (trusted SQL, e.g. the Grafana macro `$__timeFilter(decided_at)`):
   * replaces the bound from/to condition. Never pass request input here.
   */
  rawTimeFilter?: string;
}

export interface BuiltQuery {
  query: string;
  params: Record<string, unknown>;
}

/** One group's figures as the compliance query returns them (JSONEachRow). */
export interface ComplianceRow {
  bucket?: number;
  met: number;
  breached: number;
  decided: number;
  compliance: number | null;
  median_minutes: number | null;
  p90_minutes: number | null;
  /** Group columns by name (metric, team, …). */
  [group: string]: unknown;
}

const GROUP_SET = new Set<string>(COMPLIANCE_GROUPS);
const DIMENSION_SET = new Set<string>(COMPLIANCE_DIMENSIONS);
const METRIC_SET = new Set<string>(SLA_METRICS);

/**
 * For every `FROM ticket_sla FINAL`: all versions of a row share a partition (it is
 * partitioned by a hash of the ticket id), so FINAL may work partition by partition.
 */
export const FINAL_SETTINGS = 'do_not_merge_across_partitions_select_final = 1';

/** The aggregate columns, reusable in any SELECT over the decided population. */
export const COMPLIANCE_AGGREGATES = `
  countIf(state = 'met') AS met,
  countIf(state = 'breached') AS breached,
  met + breached AS decided,
  if(decided = 0, NULL, met / decided) AS compliance,
  quantilesExactIf(0.5, 0.9)(elapsed_minutes, met_at IS NOT NULL) AS times,
  if(countIf(met_at IS NOT NULL) = 0, NULL, times[1]) AS median_minutes,
  if(countIf(met_at IS NOT NULL) = 0, NULL, times[2]) AS p90_minutes`;

function checkIdentifiers(groupBy: readonly string[], where: DimensionFilter, metrics: readonly string[]): void {
  // The API validates first; this guards every other caller, since these become SQL identifiers.
  for (const g of groupBy) if (!GROUP_SET.has(g)) throw new RangeError(`not a compliance group: ${JSON.stringify(g)}`);
  for (const d of Object.keys(where)) if (!DIMENSION_SET.has(d)) throw new RangeError(`not a ticket dimension: ${JSON.stringify(d)}`);
  for (const m of metrics) if (!METRIC_SET.has(m)) throw new RangeError(`not an SLA metric: ${JSON.stringify(m)}`);
}

/** Metric and ticket-dimension filters as bound parameters (identifiers checked by checkIdentifiers). */
function addFilters(conditions: string[], params: Record<string, unknown>, metrics: readonly string[], where: DimensionFilter): void {
  if (metrics.length > 0) {
    conditions.push('metric IN {metrics:Array(String)}');
    params.metrics = [...metrics];
  }
  for (const d of COMPLIANCE_DIMENSIONS) {
    const values = where[d];
    if (values === undefined || values.length === 0) continue;
    conditions.push(`${d} IN {f_${d}:Array(String)}`);
    params[`f_${d}`] = [...values];
  }
}

/** WHERE conditions of the decided population, with their parameters. */
export function decidedPopulation(opts: Pick<ComplianceQueryOptions, 'from' | 'to' | 'metrics' | 'where' | 'rawTimeFilter'>): { conditions: string[]; params: Record<string, unknown> } {
  const where = opts.where ?? {};
  const metrics = opts.metrics ?? [];
  checkIdentifiers([], where, metrics);
  const conditions = ["state IN ('met', 'breached')"];
  const params: Record<string, unknown> = {};
  if (opts.rawTimeFilter !== undefined) {
    conditions.push(opts.rawTimeFilter);
  } else {
    conditions.push("decided_at >= {from:DateTime64(3, 'UTC')}", "decided_at < {to:DateTime64(3, 'UTC')}");
    params.from = toClickHouseTime(opts.from);
    params.to = toClickHouseTime(opts.to);
  }
  addFilters(conditions, params, metrics, where);
  return { conditions, params };
}

/** Compliance rate, breach counts, median and p90 business minutes per group (and bucket). */
export function buildComplianceQuery(opts: ComplianceQueryOptions): BuiltQuery {
  const groupBy = [...new Set(opts.groupBy ?? [])];
  checkIdentifiers(groupBy, opts.where ?? {}, opts.metrics ?? []);
  const { conditions, params } = decidedPopulation(opts);
  const keys: string[] = [];
  const select: string[] = [];
  if (opts.bucket !== undefined) {
    const interval = COMPLIANCE_BUCKETS[opts.bucket];
    if (interval === undefined) throw new RangeError(`not a compliance bucket: ${JSON.stringify(opts.bucket)}`);
    select.push(`toUnixTimestamp(toStartOfInterval(toDateTime(decided_at, 'UTC'), ${interval})) * 1000 AS bucket`);
    keys.push('bucket');
  }
  for (const g of groupBy) {
    select.push(g);
    keys.push(g);
  }
  params.limit = opts.limit ?? 10_000;
  const query = `
    SELECT ${[...select, COMPLIANCE_AGGREGATES].join(',\n  ')}
    FROM ticket_sla FINAL
    WHERE ${conditions.join('\n      AND ')}
    ${keys.length > 0 ? `GROUP BY ${keys.join(', ')}\n    ORDER BY ${keys.join(', ')}` : ''}
    LIMIT {limit:UInt32}
    SETTINGS ${FINAL_SETTINGS}`;
  return { query, params };
}

export interface ContributorsQueryOptions extends Omit<ComplianceQueryOptions, 'groupBy' | 'bucket' | 'limit'> {
  dimensions: readonly ComplianceDimension[];
  /** Values per dimension (default 3). */
  top?: number;
}

/** Per dimension, the values holding the most breaches in the population ("which team / category"). */
export function buildContributorsQuery(opts: ContributorsQueryOptions): BuiltQuery {
  const dims = [...new Set(opts.dimensions)];
  if (dims.length === 0) throw new RangeError('at least one dimension is needed');
  for (const d of dims) if (!DIMENSION_SET.has(d)) throw new RangeError(`not a ticket dimension: ${JSON.stringify(d)}`);
  checkIdentifiers([], opts.where ?? {}, opts.metrics ?? []);
  const { conditions, params } = decidedPopulation(opts);
  params.top = opts.top ?? 3;
  const query = `
    SELECT d.1 AS dimension, d.2 AS value, countIf(state = 'breached') AS breached, count() AS decided
    FROM ticket_sla FINAL
    ARRAY JOIN [${dims.map((d) => `tuple('${d}', toString(${d}))`).join(', ')}] AS d
    WHERE ${conditions.join('\n      AND ')}
    GROUP BY dimension, value
    HAVING breached > 0
    ORDER BY dimension, breached DESC, value
    LIMIT {top:UInt32} BY dimension
    SETTINGS ${FINAL_SETTINGS}`;
  return { query, params };
}

export interface AtRiskQueryOptions {
  now: number;
  metrics?: readonly SlaMetric[];
  where?: DimensionFilter;
  /** Also list metrics already past their deadline and still open. */
  includeBreached?: boolean;
  limit?: number;
}

/**
 * Open metrics whose clock runs and that have reached an at-risk level by `now` (a
 * stored projection that has come due counts: the row is the latest, so nothing has
 * changed since), soonest deadline first.
 */
export function buildAtRiskQuery(opts: AtRiskQueryOptions): BuiltQuery {
  const where = opts.where ?? {};
  const metrics = opts.metrics ?? [];
  checkIdentifiers([], where, metrics);
  const params: Record<string, unknown> = { now: toClickHouseTime(opts.now), limit: opts.limit ?? 50 };
  const reached = "arrayExists(a -> ifNull(a <= {now:DateTime64(3, 'UTC')}, 0), at_risk_at)";
  const risk = `(state = 'active' AND clock = 'running' AND deadline > {now:DateTime64(3, 'UTC')} AND ${reached})`;
  const breached = "(clock IN ('running', 'paused') AND (state = 'breached' OR deadline <= {now:DateTime64(3, 'UTC')}))";
  const conditions = [opts.includeBreached ? `(${risk} OR ${breached})` : risk];
  addFilters(conditions, params, metrics, where);
  const query = `
    SELECT ticket_id, metric, tenant, team, priority, category, channel, customer_tier, status, policy, calendar,
      target_minutes, elapsed_minutes, state, clock,
      -- New names on purpose: an alias named like its column would replace the column
      -- everywhere in the query (WHERE, ORDER BY, is_breached) with epoch milliseconds.
      toUnixTimestamp64Milli(deadline) AS deadline_ms,
      toUnixTimestamp64Milli(breached_at) AS breached_at_ms,
      toUnixTimestamp64Milli(computed_at) AS computed_at_ms,
      arrayFilter((n, a) -> ifNull(a <= {now:DateTime64(3, 'UTC')}, 0), at_risk_level, at_risk_at) AS levels_reached,
      deadline <= {now:DateTime64(3, 'UTC')} OR state = 'breached' AS is_breached
    FROM ticket_sla FINAL
    WHERE ${conditions.join('\n      AND ')}
    ORDER BY ifNull(deadline, breached_at), ticket_id, metric
    LIMIT {limit:UInt32}
    SETTINGS ${FINAL_SETTINGS}`;
  return { query, params };
}
