// Volume-surge detection: pure detection (series in, verdicts out), the ClickHouse
// side (bucketed counts, the `surges` table, the API port) and the scheduled job.
export { detectSurges, judge, baselineFor, scoreBucket, anscombe, bucketFloor, groupSeries, seriesKey, WEEK_MS } from './detect.ts';
export { SURGE_METHOD } from './types.ts';
export type { SeriesPoint, SurgeVerdict, DetectOptions, DetectRequest, BaselineKind, VerdictReason } from './types.ts';
export { planSurgeAlerts, surgeAlertInput, surgeDedupKey, SURGE_ALERT_KIND } from './alerts.ts';
export type { SurgeAlertSink, SurgeAlertPlan, PlanOptions } from './alerts.ts';
export { buildCountsQuery, queryCounts, queryHistoryStart } from './counts-query.ts';
export type { CountsRequest } from './counts-query.ts';
export { createSurgesPort, writeSurgeRows, loadSurging, planSurgeRows, recentSurgeSeries } from './store.ts';
export type { SurgeStatus } from './store.ts';
export { SurgeDetector, surgeProcessorJob, runWindow, detectOptionsOf, SURGE_JOB_NAME } from './detector.ts';
export type { SurgeDetectorOptions, SurgeRunReport, SurgeSeriesSource, SeriesWindow } from './detector.ts';
export { parseSurgeConfig } from './config.ts';
