// For a process that serves the API but does not recompute (the `api` role when
// scaled out): keeps its in-memory snapshot in step with what the processors
// publish, by polling the latest version and score time — two tiny queries.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import type { AgentsConfig } from '../../core/config/agents.ts';
import type { Logger } from '../../core/log.ts';
import type { RoutingSnapshotStore } from './snapshot-store.ts';
import { latestScoresTime, latestWeightsVersion, loadLatestScores, loadWeights } from './snapshot-table.ts';

export interface SnapshotRefresh {
  /** Loads what is newer than the store holds; true when something changed. */
  refresh(): Promise<boolean>;
  stop(): void;
}

export interface SnapshotRefreshOptions {
  ch: ClickHouse;
  store: RoutingSnapshotStore;
  config: AgentsConfig;
  /** Polling period (default 10 s); 0 → no timer, call refresh() yourself. */
  intervalMs?: number;
  log?: Logger;
}

export function startSnapshotRefresh(opts: SnapshotRefreshOptions): SnapshotRefresh {
  const { ch, store, config } = opts;
  const windows = [...new Set([...config.windowsDays, config.routingWindowDays])].sort((a, b) => a - b);
  let running: Promise<boolean> | null = null;
  const refresh = (): Promise<boolean> => {
    running ??= (async () => {
      let changed = false;
      const version = await latestWeightsVersion(ch);
      if (version > store.currentVersion()) {
        const snap = await loadWeights(ch, version);
        if (snap) changed = store.publishWeights(snap) || changed;
      }
      const scoresAt = await latestScoresTime(ch);
      if (scoresAt !== null && scoresAt > (store.scoreSnapshot()?.computed_at ?? -1)) {
        const scores = await loadLatestScores(ch, windows, config.routingWindowDays);
        if (scores) {
          store.publishScores(scores);
          changed = true;
        }
      }
      return changed;
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const interval = opts.intervalMs ?? 10_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          refresh().catch((err) => opts.log?.warn({ err }, 'could not refresh the routing snapshot'));
        }, interval)
      : null;
  timer?.unref();
  return {
    refresh,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
