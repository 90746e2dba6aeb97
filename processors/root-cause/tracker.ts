// One tracking run: read the window, cluster it (pure), measure each cluster's growth
// and concentration, match the clusters to the previous run's, store the run, and
// raise or clear `root_cause_batch` alerts. Re-running at the same instant is safe:
// it matches against the run before that instant and rewrites the same rows.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import type { RootCauseConfig } from '../../core/config/root-cause.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { clusterTickets } from '../clustering/index.ts';
import type { ProcessorJob } from '../scheduler.ts';
import { planRootCauseAlerts, rootCauseDedupKey, type RootCauseAlertSink } from './alerts.ts';
import { clusterGrowth, concentrations, countAttributes } from './signals.ts';
import { loadPreviousRun, writeClusterRun } from './store.ts';
import { trackClusters } from './tracking.ts';
import type { ObservedCluster, TrackedCluster, WindowTicket } from './types.ts';
import { readWindow } from './window-query.ts';

const HOUR_MS = 3_600_000;

export interface RootCauseTrackerOptions {
  ch: ClickHouse;
  config: RootCauseConfig;
  /** The alert service's raise/clear; null or absent → clusters are stored, nobody is told. */
  alerts?: RootCauseAlertSink | null;
  log?: Logger;
}

export interface RootCauseRunReport {
  runId: string;
  nowMs: number;
  tickets: number;
  clusters: number;
  emerging: number;
  closed: number;
  raised: number;
  cleared: number;
  errors: number;
  durationMs: number;
  /** Every cluster of the run (closed ones included), as stored. */
  tracked: TrackedCluster[];
}

/** Ids read well in a URL and sort by birth: rc-<run time>-<n>. */
export function clusterIdFor(nowMs: number, i: number): string {
  return `rc-${new Date(nowMs).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}-${i}`;
}

/** Clusters of the window with their growth and concentration — pure given the tickets. */
export function observeWindow(tickets: readonly WindowTicket[], nowMs: number, config: RootCauseConfig): ObservedCluster[] {
  if (tickets.length < Math.max(2 * config.minClusterSize, 4)) return [];
  const result = clusterTickets(
    tickets.map((t) => ({ id: t.id, text: t.text, attributes: t.attributes })),
    { k: config.k, seed: config.seed },
  );
  const windowCounts = countAttributes(tickets);
  const windowStartMs = Math.max(nowMs - config.windowHours * HOUR_MS, Math.min(...tickets.map((t) => t.createdMs)));
  const recentMs = config.recentMinutes * 60_000;
  const byId = new Map(tickets.map((t) => [t.id, t]));
  const out: ObservedCluster[] = [];
  const tracked = result.clusters.filter((c) => c.size >= config.minClusterSize);
  // Every run tests every cluster: a fixed per-cluster threshold would raise more false
  // surges the more clusters a window has, so the run's false-alarm budget is shared
  // among them (Bonferroni).
  const pThreshold = config.surgeAlpha / Math.max(tracked.length, 1);
  for (const c of tracked) {
    const members = c.memberIds.map((id) => byId.get(id)!);
    const { recent, growth, pValue } = clusterGrowth({ createdMs: members.map((m) => m.createdMs), nowMs, windowStartMs, recentMs });
    const surging = recent >= config.minRecent && growth >= config.surgeRatio && pValue <= pThreshold;
    const recentFrom = nowMs - recentMs;
    const concentrated = surging
      ? concentrations(members.filter((m) => m.createdMs >= recentFrom), windowCounts, tickets.length, config, members.filter((m) => m.createdMs < recentFrom))
      : [];
    // Not surging: the clustering's own concentration (it discounts attributes that
    // every cluster is concentrated on, such as the category read off the same words).
    const own = c.concentration;
    const concentration = surging
      ? (concentrated[0] ?? null)
      : own && config.attributes.includes(own.attribute)
        ? { attribute: own.attribute, value: own.value, share: own.share, baseShare: own.baseShare }
        : null;
    const newestFirst = [...members].sort((a, b) => b.createdMs - a.createdMs);
    out.push({
      size: c.size,
      memberIds: c.memberIds,
      centroid: Array.from(c.centroid),
      termCentroid: c.termCentroid,
      label: c.label,
      topTerms: c.topTerms.map((t) => t.term),
      profile: c.profile,
      recent,
      growth,
      surging,
      concentration,
      concentrated,
      samples: [...new Set(newestFirst.map((m) => m.subject).filter((s) => s !== ''))].slice(0, config.samples),
      newestMs: newestFirst[0].createdMs,
    });
  }
  return out;
}

export class RootCauseTracker {
  constructor(private readonly opts: RootCauseTrackerOptions) {}

  async run(nowMs: number = Date.now()): Promise<RootCauseRunReport> {
    const t0 = performance.now();
    const { ch, config, log } = this.opts;
    const runId = `${nowMs}-${Math.random().toString(36).slice(2, 10)}`;
    const tickets = await readWindow(ch, { fromMs: nowMs - config.windowHours * HOUR_MS, toMs: nowMs, attributes: config.attributes, maxTickets: config.maxTickets });
    const observed = observeWindow(tickets, nowMs, config);
    const previous = await loadPreviousRun(ch, nowMs);
    const tracked = trackClusters({ previous, observed, nowMs, config, newId: (i) => clusterIdFor(nowMs, i) });

    let raised = 0;
    let cleared = 0;
    let errors = 0;
    const sink = this.opts.alerts;
    if (sink) {
      const plan = planRootCauseAlerts(tracked, config);
      const byId = new Map(tracked.map((c) => [c.clusterId, c]));
      for (const { clusterId, input } of plan.raise) {
        try {
          await sink.raise(input);
          byId.get(clusterId)!.alerted = true;
          raised++;
        } catch (err) {
          errors++;
          log?.error({ err: errorMessage(err), dedup_key: input.dedup_key }, 'root-cause: raising an alert failed; the next run retries');
        }
      }
      for (const clusterId of plan.clear) {
        try {
          await sink.clear(rootCauseDedupKey(clusterId));
          byId.get(clusterId)!.alerted = false;
          cleared++;
        } catch (err) {
          errors++;
          log?.error({ err: errorMessage(err), cluster_id: clusterId }, 'root-cause: clearing an alert failed; the next run retries');
        }
      }
    }
    await writeClusterRun(ch, tracked, runId, nowMs);
    return {
      runId,
      nowMs,
      tickets: tickets.length,
      clusters: tracked.filter((c) => c.status !== 'closed').length,
      emerging: tracked.filter((c) => c.status === 'emerging').length,
      closed: tracked.filter((c) => c.status === 'closed').length,
      raised,
      cleared,
      errors,
      durationMs: Math.round(performance.now() - t0),
      tracked,
    };
  }
}

export const ROOT_CAUSE_JOB_NAME = 'root-cause';

/** The job for the shared Scheduler: `rootCauseProcessorJob(tracker, config.rootCause)`. */
export function rootCauseProcessorJob(tracker: RootCauseTracker, config: RootCauseConfig): ProcessorJob {
  return {
    name: ROOT_CAUSE_JOB_NAME,
    schedule: config.schedule,
    async run(ctx) {
      const r = await tracker.run(ctx.now);
      return { tickets: r.tickets, clusters: r.clusters, emerging: r.emerging, closed: r.closed, raised: r.raised, cleared: r.cleared, errors: r.errors };
    },
  };
}
