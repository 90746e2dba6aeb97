// Root-cause tracking: clusters of the sliding window matched across runs (stable ids,
// statuses, size history), stored in `clusters` / `ticket_clusters`, `root_cause_batch`
// alerts, the API port, the scheduled job and a per-cluster series for the surge detector.
export { RootCauseTracker, rootCauseProcessorJob, observeWindow, clusterIdFor, ROOT_CAUSE_JOB_NAME } from './tracker.ts';
export type { RootCauseTrackerOptions, RootCauseRunReport } from './tracker.ts';
export { trackClusters, matchClusters, statusOf, ownerOf, MAX_HISTORY } from './tracking.ts';
export type { TrackInput, TrackingConfig } from './tracking.ts';
export { clusterGrowth, concentrations, countAttributes, poissonUpperTail } from './signals.ts';
export type { Growth, GrowthInput } from './signals.ts';
export { planRootCauseAlerts, rootCauseAlertInput, rootCauseDedupKey, qualifies, ROOT_CAUSE_ALERT_KIND } from './alerts.ts';
export type { RootCauseAlertSink, RootCauseAlertPlan, AlertConfig } from './alerts.ts';
export { readWindow } from './window-query.ts';
export type { WindowRequest } from './window-query.ts';
export { writeClusterRun, loadPreviousRun } from './store.ts';
export { createClustersPort } from './port.ts';
export { clusterSeriesSource } from './series.ts';
export { parseRootCauseConfig } from './config.ts';
export { CLUSTER_STATUSES } from './types.ts';
export type { ClusterStatus, WindowTicket, ObservedCluster, TrackedCluster, ClusterConcentration, SizePoint } from './types.ts';
