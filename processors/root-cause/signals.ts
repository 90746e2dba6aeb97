// Growth and concentration of one cluster inside the window — pure. Growth compares
// the cluster's rate in the recent part of the window with its rate before, so a
// cluster that merely reappears under a new id (k-means reshuffles) does not look new,
// while a batch of defects that started an hour ago does. The concentration of a
// surging cluster is judged on its recent tickets: those are the ones the root cause
// produced, and the older members (the everyday tickets on the same topic) would
// dilute it exactly when it matters.
import { gammaln } from 'simple-statistics';
import type { RootCauseConfig } from '../../core/config/root-cause.ts';
import type { ClusterConcentration, WindowTicket } from './types.ts';

export interface GrowthInput {
  createdMs: readonly number[];
  nowMs: number;
  /** Start of the data the window actually covers (later than now − window when history is short). */
  windowStartMs: number;
  recentMs: number;
}

export interface Growth {
  recent: number;
  growth: number;
  /**
   * How surprising `recent` is if the cluster kept its earlier rate: P(X ≥ recent) for
   * X ~ Poisson(earlier rate × recent span). 1 when there is no earlier history.
   */
  pValue: number;
}

export function clusterGrowth({ createdMs, nowMs, windowStartMs, recentMs }: GrowthInput): Growth {
  const recentFrom = nowMs - recentMs;
  let recent = 0;
  for (const t of createdMs) if (t >= recentFrom) recent++;
  const earlierMs = recentFrom - windowStartMs;
  // Less earlier history than the recent part itself: nothing to compare with.
  if (earlierMs < recentMs) return { recent, growth: 1, pValue: 1 };
  const earlier = createdMs.length - recent;
  // One ticket is the floor, so a brand-new topic has a large but finite growth.
  const expected = (Math.max(earlier, 1) / earlierMs) * recentMs;
  const growth = recent / expected;
  return { recent, growth: Math.round(growth * 100) / 100, pValue: poissonUpperTail(recent, expected) };
}

/** P(X ≥ k) for X ~ Poisson(lambda), summed from k upward in log space (no cancellation for tiny tails). */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (!(lambda > 0)) return 0;
  let logTerm = -lambda + k * Math.log(lambda) - gammaln(k + 1);
  let sum = 0;
  for (let i = k; i < k + 10_000; i++) {
    const term = Math.exp(logTerm);
    sum += term;
    if (i > lambda && term < sum * 1e-15) break;
    logTerm += Math.log(lambda) - Math.log(i + 1);
  }
  return Math.min(1, sum);
}

/** Value counts per attribute. */
export function countAttributes(tickets: Iterable<Pick<WindowTicket, 'attributes'>>): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const t of tickets) {
    for (const [k, v] of Object.entries(t.attributes)) {
      if (!v) continue;
      let m = out.get(k);
      if (!m) out.set(k, (m = new Map()));
      m.set(v, (m.get(v) ?? 0) + 1);
    }
  }
  return out;
}

/**
 * Attributes whose top value holds at least `concentrationThreshold` of `subset` and
 * `minLift` times its reference share, best first. The reference is the cluster's own
 * earlier tickets when there are enough of them (`earlier`), else the whole window:
 * a cluster about one product is 100% that product every day (its texts name it), so
 * only a value the surge brought (a batch, a region) is a cause. Best = share × −ln(baseShare): a
 * batch at 85% where batches are 1% of the window says more than the product at 95%
 * where that product is 5%, so the most specific cause is named.
 */
export function concentrations(
  subset: readonly Pick<WindowTicket, 'attributes'>[],
  windowCounts: Map<string, Map<string, number>>,
  windowSize: number,
  config: Pick<RootCauseConfig, 'attributes' | 'concentrationThreshold' | 'minLift'>,
  earlier?: readonly Pick<WindowTicket, 'attributes'>[],
): ClusterConcentration[] {
  const reference = earlier && earlier.length >= MIN_REFERENCE ? countAttributes(earlier) : null;
  if (subset.length === 0 || windowSize === 0) return [];
  const counts = countAttributes(subset);
  const found: Array<ClusterConcentration & { score: number }> = [];
  for (const attribute of config.attributes) {
    const values = counts.get(attribute);
    if (!values) continue;
    let value = '';
    let n = 0;
    for (const [v, c] of values) if (c > n || (c === n && v < value)) [value, n] = [v, c];
    const share = n / subset.length;
    const baseShare = (windowCounts.get(attribute)?.get(value) ?? n) / windowSize;
    const refShare = reference ? Math.max((reference.get(attribute)?.get(value) ?? 0) / earlier!.length, baseShare) : baseShare;
    if (share < config.concentrationThreshold || share / refShare < config.minLift || n < 3) continue;
    found.push({ attribute, value, share: round(share), baseShare: round(baseShare), score: share * -Math.log(baseShare) });
  }
  return found.sort((a, b) => b.score - a.score || (a.attribute < b.attribute ? -1 : 1)).map(({ score: _s, ...c }) => c);
}

/** Earlier tickets needed before a cluster's own past is the reference. */
const MIN_REFERENCE = 5;

const round = (x: number): number => Math.round(x * 10_000) / 10_000;
