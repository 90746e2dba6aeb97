// The surge detector's data model. Times are epoch milliseconds; a bucket is named by
// its start instant and is `bucketMinutes` long.

/** Tickets created in one bucket for one value of one dimension. */
export interface SeriesPoint {
  /** category | product | region | channel | tenant, or any caller-supplied one (cluster). */
  dimension: string;
  value: string;
  bucketStartMs: number;
  count: number;
}

export type BaselineKind = 'seasonal' | 'recent';

/** Name of the scoring method, stored with every surge so later methods can coexist. */
export const SURGE_METHOD = 'median_mad_anscombe';

export interface DetectOptions {
  bucketMinutes: number;
  minVolume: number;
  scoreThreshold: number;
  minRatio: number;
  baselineWeeks: number;
  minBaselineWeeks: number;
  recentHours: number;
}

export interface DetectRequest {
  points: Iterable<SeriesPoint>;
  /** Buckets with start in [evaluateFromMs, evaluateToMs) are judged; the rest is history. */
  evaluateFromMs: number;
  evaluateToMs: number;
  /**
   * The first instant the data covers. Buckets before it are unknown rather than empty,
   * so they never count as zero-ticket history (that would make every bucket a surge).
   */
  historyStartMs: number;
}

/** Why a bucket is (not) a surge. */
export type VerdictReason = 'surge' | 'normal' | 'below_min_volume' | 'below_min_ratio' | 'no_baseline';

export interface SurgeVerdict {
  dimension: string;
  value: string;
  bucketStartMs: number;
  bucketMinutes: number;
  observed: number;
  /** Median of the baseline buckets' counts. */
  expected: number;
  /** Robust z: (A(observed) − median A(baseline)) / max(1.4826·MAD, 1), A = Anscombe transform. */
  score: number;
  /** observed / max(expected, 1). */
  ratio: number;
  baselineKind: BaselineKind;
  baselinePoints: number;
  method: string;
  surging: boolean;
  reason: VerdictReason;
}
