// One detection run: count the buckets a run needs (ClickHouse, plus any caller's
// extra series such as clusters), judge the last complete buckets (pure), store the
// surges (and retract buckets a re-run no longer confirms), and raise or clear
// `volume_surge` alerts. Re-running is safe: rows are versioned per bucket and alerts
// are keyed per series.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import type { SurgeConfig } from '../../core/config/surge.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ProcessorJob } from '../scheduler.ts';
import { planSurgeAlerts, surgeDedupKey, type SurgeAlertSink } from './alerts.ts';
import { queryCounts, queryHistoryStart } from './counts-query.ts';
import { WEEK_MS, bucketFloor, detectSurges } from './detect.ts';
import { loadSurging, planSurgeRows, recentSurgeSeries, writeSurgeRows } from './store.ts';
import type { DetectOptions, SeriesPoint, SurgeVerdict } from './types.ts';

const DAY_MS = 86_400_000;

/** Which buckets a run needs, for sources that count their own series. */
export interface SeriesWindow {
  bucketMinutes: number;
  /** Half-open [start, end) ranges of bucket starts (epoch ms). */
  ranges: ReadonlyArray<readonly [number, number]>;
}

/**
 * Extra series from a caller, e.g. root-cause clusters: (dimension, value, bucket,
 * count) points for the buckets in `window.ranges`. A missing bucket means zero.
 */
export interface SurgeSeriesSource {
  /** The dimension(s) this source supplies; used to keep its alerts open if it fails. */
  dimensions: readonly string[];
  load(window: SeriesWindow): Promise<SeriesPoint[]>;
}

export interface SurgeDetectorOptions {
  ch: ClickHouse;
  config: SurgeConfig;
  /** The alert service's raise/clear; null or absent → surges are stored, nobody is told. */
  alerts?: SurgeAlertSink | null;
  extraSeries?: readonly SurgeSeriesSource[];
  log?: Logger;
}

export interface SurgeRunReport {
  evaluatedFromMs: number;
  evaluatedToMs: number;
  series: number;
  verdicts: number;
  surging: number;
  retracted: number;
  seasonal: number;
  recent: number;
  raised: number;
  cleared: number;
  errors: number;
  durationMs: number;
  /** The surging verdicts of this run, newest bucket first. */
  surges: SurgeVerdict[];
}

export function detectOptionsOf(config: SurgeConfig): DetectOptions {
  return {
    bucketMinutes: config.bucketMinutes,
    minVolume: config.minVolume,
    scoreThreshold: config.scoreThreshold,
    minRatio: config.minRatio,
    baselineWeeks: config.baselineWeeks,
    minBaselineWeeks: config.minBaselineWeeks,
    recentHours: config.recentHours,
  };
}

/** The evaluated window (last complete buckets) and every range its baselines read. */
export function runWindow(nowMs: number, config: SurgeConfig): { fromMs: number; toMs: number; ranges: Array<[number, number]> } {
  const size = config.bucketMinutes * 60_000;
  const toMs = bucketFloor(nowMs, config.bucketMinutes);
  const fromMs = toMs - Math.max(config.lookbackBuckets, config.clearAfterBuckets) * size;
  const recentMs = Math.ceil((config.recentHours * 60) / config.bucketMinutes) * size;
  const ranges: Array<[number, number]> = [[fromMs - recentMs, toMs]];
  for (let k = 1; k <= config.baselineWeeks; k++) ranges.push([fromMs - k * WEEK_MS - size, toMs - k * WEEK_MS + size]);
  return { fromMs, toMs, ranges };
}

export class SurgeDetector {
  constructor(private readonly opts: SurgeDetectorOptions) {}

  async run(nowMs: number = Date.now()): Promise<SurgeRunReport> {
    const t0 = performance.now();
    const { ch, config, log } = this.opts;
    const window = runWindow(nowMs, config);
    const earliest = Math.min(...window.ranges.map((r) => r[0]));
    // A day of slack before the earliest range: a quiet night at its start must not
    // look like the start of the data.
    const first = await queryHistoryStart(ch, earliest - DAY_MS, window.toMs);
    const historyStartMs = first ?? window.toMs;

    const points: SeriesPoint[] = await queryCounts(ch, { dimensions: config.dimensions, bucketMinutes: config.bucketMinutes, ranges: window.ranges });
    const failedDimensions = new Set<string>();
    let errors = 0;
    for (const source of this.opts.extraSeries ?? []) {
      try {
        points.push(...(await source.load({ bucketMinutes: config.bucketMinutes, ranges: window.ranges })));
      } catch (err) {
        errors++;
        for (const d of source.dimensions) failedDimensions.add(d);
        log?.warn({ err: errorMessage(err), dimensions: source.dimensions }, 'surge: an extra series source failed; its series are skipped this run');
      }
    }

    const verdicts = detectSurges({ points, evaluateFromMs: window.fromMs, evaluateToMs: window.toMs, historyStartMs }, detectOptionsOf(config));
    const stored = await loadSurging(ch, config.bucketMinutes, window.fromMs, window.toMs);
    const rows = planSurgeRows(verdicts, stored);
    await writeSurgeRows(ch, rows, nowMs);

    let raised = 0;
    let cleared = 0;
    const sink = this.opts.alerts;
    if (sink) {
      const size = config.bucketMinutes * 60_000;
      const plan = planSurgeAlerts(verdicts, window.toMs - size, { clearAfterBuckets: config.clearAfterBuckets, criticalScore: config.criticalScore });
      for (const input of plan.raise) {
        try {
          await sink.raise(input);
          raised++;
        } catch (err) {
          errors++;
          log?.error({ err: errorMessage(err), dedup_key: input.dedup_key }, 'surge: raising an alert failed; the next run retries');
        }
      }
      // Clear only series that surged lately (stored rows, any status), so a run does
      // not call clear for every quiet series. A series with no verdict at all has no
      // tickets anywhere in the window, which is quiet too.
      const raising = new Set(plan.raise.map((a) => a.dedup_key));
      const candidates = await recentSurgeSeries(ch, window.fromMs - DAY_MS);
      for (const c of candidates) {
        const key = surgeDedupKey(c.dimension, c.value);
        if (raising.has(key) || failedDimensions.has(c.dimension)) continue;
        if (!config.dimensions.includes(c.dimension as never) && !(this.opts.extraSeries ?? []).some((s) => s.dimensions.includes(c.dimension))) continue;
        try {
          if ((await sink.clear(key)) !== null) cleared++;
        } catch (err) {
          errors++;
          log?.error({ err: errorMessage(err), dedup_key: key }, 'surge: clearing an alert failed; the next run retries');
        }
      }
    }

    const surges = verdicts.filter((v) => v.surging).sort((a, b) => b.bucketStartMs - a.bucketStartMs || b.score - a.score);
    return {
      evaluatedFromMs: window.fromMs,
      evaluatedToMs: window.toMs,
      series: new Set(verdicts.map((v) => `${v.dimension}\u0000${v.value}`)).size,
      verdicts: verdicts.length,
      surging: surges.length,
      retracted: rows.filter((r) => r.status === 'retracted').length,
      seasonal: verdicts.filter((v) => v.baselineKind === 'seasonal').length,
      recent: verdicts.filter((v) => v.baselineKind === 'recent').length,
      raised,
      cleared,
      errors,
      durationMs: Math.round(performance.now() - t0),
      surges,
    };
  }
}

export const SURGE_JOB_NAME = 'surge';

/** The job for the shared Scheduler: `new Scheduler({ jobs: [surgeProcessorJob(detector, config.surge)] })`. */
export function surgeProcessorJob(detector: SurgeDetector, config: SurgeConfig): ProcessorJob {
  return {
    name: SURGE_JOB_NAME,
    schedule: config.schedule,
    async run(ctx) {
      const r = await detector.run(ctx.now);
      return {
        series: r.series,
        verdicts: r.verdicts,
        surging: r.surging,
        retracted: r.retracted,
        seasonal: r.seasonal,
        recent: r.recent,
        raised: r.raised,
        cleared: r.cleared,
        errors: r.errors,
      };
    },
  };
}
