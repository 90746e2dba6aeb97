// From verdicts to `volume_surge` alerts. One alert per (dimension, value), keyed so
// that a surge lasting many buckets stays one alert (each run re-raises it, which the
// alert service counts as an occurrence) and a quiet series clears it. Clearing waits
// for `clearAfterBuckets` quiet buckets so a surge that dips for one bucket does not
// resolve and re-fire.
import type { AlertInput } from '../alerts/index.ts';
import type { SurgeVerdict } from './types.ts';
import { seriesKey } from './detect.ts';

/** What the detector needs from the alert service; the lead wires createAlertService's raise/clear. */
export interface SurgeAlertSink {
  raise(input: AlertInput): Promise<unknown>;
  clear(dedupKey: string): Promise<unknown>;
}

export interface SurgeAlertPlan {
  raise: AlertInput[];
  /** Dedup keys of series whose last `clearAfterBuckets` buckets are all quiet. */
  quiet: string[];
}

export interface PlanOptions {
  clearAfterBuckets: number;
  criticalScore: number;
}

export const SURGE_ALERT_KIND = 'volume_surge';

export function surgeDedupKey(dimension: string, value: string): string {
  return `${SURGE_ALERT_KIND}:${dimension}:${value}`;
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const SUBJECT_TYPE = /^[a-z][a-z0-9_]{0,63}$/;

export function surgeAlertInput(v: SurgeVerdict, criticalScore: number): AlertInput {
  const labels: Record<string, string> = { dimension: v.dimension, value: v.value, baseline: v.baselineKind };
  // The dimension as its own label lets alert routes match `category: [billing]` or `tenant: [acme]`.
  if (LABEL_NAME.test(v.dimension) && !(v.dimension in labels)) labels[v.dimension] = v.value;
  const expected = Math.round(v.expected * 10) / 10;
  return {
    kind: SURGE_ALERT_KIND,
    severity: v.score >= criticalScore ? 'critical' : 'warning',
    dedup_key: surgeDedupKey(v.dimension, v.value),
    subject: { type: SUBJECT_TYPE.test(v.dimension) ? v.dimension : 'queue', id: v.value.length > 0 ? v.value.slice(0, 256) : '(empty)' },
    summary: `Ticket volume surge in ${v.dimension} ${v.value}: ${v.observed} tickets in ${v.bucketMinutes} min against ${expected} expected (${v.ratio.toFixed(1)}×).`,
    details: {
      observed: v.observed,
      expected: v.expected,
      score: v.score,
      ratio: v.ratio,
      bucket_minutes: v.bucketMinutes,
      bucket_start_ms: v.bucketStartMs,
      baseline_points: v.baselinePoints,
    },
    labels,
  };
}

/**
 * Looks at each series' buckets up to `latestBucketMs`: the newest surging bucket
 * among the last `clearAfterBuckets` raises; none there makes the series quiet.
 */
export function planSurgeAlerts(verdicts: readonly SurgeVerdict[], latestBucketMs: number, opts: PlanOptions): SurgeAlertPlan {
  const bySeries = new Map<string, SurgeVerdict[]>();
  for (const v of verdicts) {
    const key = seriesKey(v.dimension, v.value);
    let list = bySeries.get(key);
    if (!list) bySeries.set(key, (list = []));
    list.push(v);
  }
  const plan: SurgeAlertPlan = { raise: [], quiet: [] };
  for (const list of bySeries.values()) {
    const size = list[0].bucketMinutes * 60_000;
    const horizon = latestBucketMs - (opts.clearAfterBuckets - 1) * size;
    let newest: SurgeVerdict | null = null;
    for (const v of list) {
      if (v.bucketStartMs < horizon || v.bucketStartMs > latestBucketMs || !v.surging) continue;
      if (!newest || v.bucketStartMs > newest.bucketStartMs) newest = v;
    }
    if (newest) plan.raise.push(surgeAlertInput(newest, opts.criticalScore));
    else plan.quiet.push(surgeDedupKey(list[0].dimension, list[0].value));
  }
  return plan;
}
