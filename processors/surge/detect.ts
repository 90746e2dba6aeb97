// Pure surge detection: bucketed counts in, one verdict per (series, bucket) out.
//
// Baseline: the same bucket of the week (± one bucket) over the past `baselineWeeks`
// weeks, which carries both the daily and the weekly rhythm. When the data does not
// reach back `minBaselineWeeks` weeks, the buckets of the last `recentHours` stand in.
//
// Score: counts are Poisson-like, so their spread grows with their level; the Anscombe
// transform A(x) = 2·sqrt(x + 3/8) makes it ≈ 1 at every level. On that scale the
// score is a robust z — distance from the baseline median in units of 1.4826·MAD —
// with the scale floored at 1, the Poisson noise itself, because a handful of quiet
// weeks can have a MAD near zero and would turn any extra ticket into a "surge".
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { SURGE_METHOD, type BaselineKind, type DetectOptions, type DetectRequest, type SeriesPoint, type SurgeVerdict, type VerdictReason } from './types.ts';

const MINUTE_MS = 60_000;
export const WEEK_MS = 7 * 24 * 60 * MINUTE_MS;
/** 1.4826·MAD estimates a normal standard deviation. */
const MAD_TO_SD = 1.4826;
/** A baseline needs at least this many buckets to have a median worth trusting. */
const MIN_BASELINE_POINTS = 3;

export function anscombe(count: number): number {
  return 2 * Math.sqrt(count + 0.375);
}

/** Start of the bucket holding `ms` (buckets are aligned to the epoch). */
export function bucketFloor(ms: number, bucketMinutes: number): number {
  const size = bucketMinutes * MINUTE_MS;
  return Math.floor(ms / size) * size;
}

export function seriesKey(dimension: string, value: string): string {
  return `${dimension}\u0000${value}`;
}

interface Baseline {
  kind: BaselineKind;
  counts: number[];
}

/**
 * The baseline of one bucket. Buckets before `historyStartMs` are skipped, not read
 * as zero; a week counts as available when its centre bucket is covered.
 */
export function baselineFor(counts: ReadonlyMap<number, number>, bucketStartMs: number, historyStartMs: number, opts: DetectOptions): Baseline {
  const size = opts.bucketMinutes * MINUTE_MS;
  const seasonal: number[] = [];
  let weeks = 0;
  for (let k = 1; k <= opts.baselineWeeks; k++) {
    const centre = bucketStartMs - k * WEEK_MS;
    if (centre < historyStartMs) break;
    weeks++;
    for (let d = -1; d <= 1; d++) {
      const b = centre + d * size;
      if (b >= historyStartMs) seasonal.push(counts.get(b) ?? 0);
    }
  }
  if (weeks >= opts.minBaselineWeeks) return { kind: 'seasonal', counts: seasonal };
  const recent: number[] = [];
  const n = Math.max(1, Math.round((opts.recentHours * 60) / opts.bucketMinutes));
  for (let j = 1; j <= n; j++) {
    const b = bucketStartMs - j * size;
    if (b < historyStartMs) break;
    recent.push(counts.get(b) ?? 0);
  }
  return { kind: 'recent', counts: recent };
}

export function scoreBucket(observed: number, baseline: readonly number[]): { expected: number; score: number } {
  const expected = median(baseline as number[]);
  const transformed = baseline.map(anscombe);
  const centre = median(transformed);
  const scale = Math.max(MAD_TO_SD * medianAbsoluteDeviation(transformed), 1);
  return { expected, score: (anscombe(observed) - centre) / scale };
}

/** Judges one bucket of one series. */
export function judge(
  dimension: string,
  value: string,
  counts: ReadonlyMap<number, number>,
  bucketStartMs: number,
  historyStartMs: number,
  opts: DetectOptions,
): SurgeVerdict {
  const observed = counts.get(bucketStartMs) ?? 0;
  const baseline = baselineFor(counts, bucketStartMs, historyStartMs, opts);
  const base = { dimension, value, bucketStartMs, bucketMinutes: opts.bucketMinutes, observed, baselineKind: baseline.kind, baselinePoints: baseline.counts.length, method: SURGE_METHOD };
  if (baseline.counts.length < MIN_BASELINE_POINTS) {
    return { ...base, expected: 0, score: 0, ratio: 0, surging: false, reason: 'no_baseline' };
  }
  const { expected, score } = scoreBucket(observed, baseline.counts);
  const ratio = observed / Math.max(expected, 1);
  let reason: VerdictReason = 'surge';
  if (score < opts.scoreThreshold) reason = 'normal';
  else if (observed < opts.minVolume) reason = 'below_min_volume';
  else if (observed < opts.minRatio * expected) reason = 'below_min_ratio';
  return { ...base, expected, score: round(score, 4), ratio: round(ratio, 4), surging: reason === 'surge', reason };
}

/** Groups points into one count map per series (summing duplicates, e.g. from two sources). */
export function groupSeries(points: Iterable<SeriesPoint>): Map<string, { dimension: string; value: string; counts: Map<number, number> }> {
  const out = new Map<string, { dimension: string; value: string; counts: Map<number, number> }>();
  for (const p of points) {
    const key = seriesKey(p.dimension, p.value);
    let s = out.get(key);
    if (!s) out.set(key, (s = { dimension: p.dimension, value: p.value, counts: new Map() }));
    s.counts.set(p.bucketStartMs, (s.counts.get(p.bucketStartMs) ?? 0) + p.count);
  }
  return out;
}

/**
 * One verdict per series and bucket in [evaluateFromMs, evaluateToMs), in series then
 * time order. A series with no ticket in the window is judged too (observed 0), so
 * its quiet buckets are there for auto-clearing.
 */
export function detectSurges(request: DetectRequest, opts: DetectOptions): SurgeVerdict[] {
  const size = opts.bucketMinutes * MINUTE_MS;
  const from = bucketFloor(request.evaluateFromMs, opts.bucketMinutes);
  // The first whole bucket: a bucket the data only partly covers would read as a dip.
  const historyStart = Math.ceil(request.historyStartMs / size) * size;
  const out: SurgeVerdict[] = [];
  for (const s of groupSeries(request.points).values()) {
    for (let b = from; b < request.evaluateToMs; b += size) {
      out.push(judge(s.dimension, s.value, s.counts, b, historyStart, opts));
    }
  }
  return out;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
