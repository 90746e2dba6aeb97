// Cluster identity across runs — pure. Each run clusters the window afresh, so its
// clusters are matched to the previous run's by term-space centroid cosine (stable
// across feature models, unlike the reduced-space centroid, which changes meaning
// whenever the model is refitted). Matching is greedy one-to-one, most similar pair
// first. An unmatched cluster is new; an unmatched previous cluster is closed. One
// fallback: a previous cluster with an open alert and a new cluster concentrated on
// the same attribute value are the same root cause even if the wording drifted, so
// they match at half the threshold — otherwise one incident would alert twice. Such
// same-cause pairs are matched before all others: when a cluster splits into the
// incident's tickets and the everyday ones, the open alert follows the incident, not
// the larger share of the old wording.
import type { RootCauseConfig } from '../../core/config/root-cause.ts';
import { termCosine } from '../clustering/index.ts';
import type { ClusterStatus, ObservedCluster, TrackedCluster } from './types.ts';

const HOUR_MS = 3_600_000;
/** Size history kept per cluster: a week of 15-minute runs. */
export const MAX_HISTORY = 672;

export type TrackingConfig = Pick<
  RootCauseConfig,
  'matchThreshold' | 'emergingHours' | 'subsidingRatio' | 'owners' | 'defaultOwner'
>;

const concentrationKey = (c: { attribute: string; value: string } | null): string | null => (c ? `${c.attribute}\u0000${c.value}` : null);

/** current index → previous index. */
export function matchClusters(
  previous: readonly Pick<TrackedCluster, 'termCentroid' | 'alerted' | 'concentration'>[],
  current: readonly Pick<ObservedCluster, 'termCentroid' | 'concentration'>[],
  threshold: number,
): Map<number, number> {
  const pairs: Array<{ c: number; p: number; sim: number; cause: boolean }> = [];
  current.forEach((cur, c) => {
    previous.forEach((prev, p) => {
      const sim = termCosine(cur.termCentroid, prev.termCentroid);
      const sameCause = prev.alerted && concentrationKey(prev.concentration) !== null && concentrationKey(prev.concentration) === concentrationKey(cur.concentration);
      if (sim >= threshold || (sameCause && sim >= threshold / 2)) pairs.push({ c, p, sim, cause: sameCause });
    });
  });
  pairs.sort((a, b) => Number(b.cause) - Number(a.cause) || b.sim - a.sim || a.c - b.c || a.p - b.p);
  const out = new Map<number, number>();
  const usedPrev = new Set<number>();
  for (const { c, p } of pairs) {
    if (out.has(c) || usedPrev.has(p)) continue;
    out.set(c, p);
    usedPrev.add(p);
  }
  return out;
}

export function statusOf(surging: boolean, growth: number, firstSeenMs: number, nowMs: number, config: Pick<RootCauseConfig, 'emergingHours' | 'subsidingRatio'>): ClusterStatus {
  if (surging) return nowMs - firstSeenMs < config.emergingHours * HOUR_MS ? 'emerging' : 'active';
  return growth < config.subsidingRatio ? 'subsiding' : 'active';
}

export function ownerOf(attribute: string | undefined, config: Pick<RootCauseConfig, 'owners' | 'defaultOwner'>): string {
  return (attribute !== undefined && config.owners[attribute]) || config.defaultOwner;
}

export interface TrackInput {
  previous: readonly TrackedCluster[];
  observed: readonly ObservedCluster[];
  nowMs: number;
  config: TrackingConfig;
  /** Id for the i-th new cluster of this run. */
  newId(i: number): string;
}

/**
 * This run's clusters with their identities (continued or new), then the previous
 * run's clusters that found no successor, now closed. `alerted` is carried over; the
 * alert planner decides what changes.
 */
export function trackClusters({ previous, observed, nowMs, config, newId }: TrackInput): TrackedCluster[] {
  const matches = matchClusters(previous, observed, config.matchThreshold);
  const continued = new Set(matches.values());
  let fresh = 0;
  const out: TrackedCluster[] = observed.map((o, i) => {
    const p = matches.has(i) ? previous[matches.get(i)!] : null;
    const firstSeenMs = p ? p.firstSeenMs : nowMs;
    // While its alert is open a cluster keeps the cause it alerted on: later runs judge
    // recent tickets against earlier ones that already include the incident, so the
    // batch's lift fades and another attribute would take over the alert's name.
    // It keeps every value it was concentrated on too (a batch and its product), so a
    // sibling cluster of the same incident is recognised as the same cause.
    const sticky = p?.alerted && p.concentration ? p.concentration : null;
    const concentration = sticky ?? o.concentration;
    const kept = sticky ? [sticky, ...p!.concentrated.filter((k) => k.attribute !== sticky.attribute)] : [];
    const concentrated = sticky ? [...kept, ...o.concentrated.filter((k) => !kept.some((x) => x.attribute === k.attribute))] : o.concentrated;
    return {
      clusterId: p ? p.clusterId : newId(fresh++),
      status: statusOf(o.surging, o.growth, firstSeenMs, nowMs, config),
      surging: o.surging,
      alerted: p?.alerted ?? false,
      label: o.label,
      topTerms: o.topTerms,
      size: o.size,
      recent: o.recent,
      growth: o.growth,
      firstSeenMs,
      lastSeenMs: Math.max(o.newestMs, p?.lastSeenMs ?? 0),
      history: [...(p?.history ?? []), { atMs: nowMs, size: o.size }].slice(-MAX_HISTORY),
      concentration,
      concentrated,
      profile: o.profile,
      samples: o.samples,
      owner: ownerOf(concentration?.attribute, config),
      centroid: o.centroid,
      termCentroid: o.termCentroid,
      memberIds: o.memberIds,
    };
  });
  previous.forEach((p, i) => {
    if (continued.has(i)) return;
    out.push({ ...p, status: 'closed', surging: false, recent: 0, history: [...p.history, { atMs: nowMs, size: 0 }].slice(-MAX_HISTORY), memberIds: [] });
  });
  return out;
}
