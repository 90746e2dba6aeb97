// From tracked clusters to `root_cause_batch` alerts — pure. A cluster alerts when it
// is emerging or surging AND its surge is concentrated on one attribute value (a
// product batch, a region …): growth alone is a surge, not a root cause. One alert per
// cluster (dedup key per cluster id), re-raised every run while it holds (the alert
// service counts those as occurrences), cleared once the cluster subsides or closes.
// Two clusters sharing a concentrated attribute value are one root cause: only the one
// that already alerted (or the largest) raises.
import type { RootCauseConfig } from '../../core/config/root-cause.ts';
import type { AlertInput } from '../alerts/index.ts';
import type { TrackedCluster } from './types.ts';

export const ROOT_CAUSE_ALERT_KIND = 'root_cause_batch';

/** What the tracker needs from the alert service; the lead wires createAlertService's raise/clear. */
export interface RootCauseAlertSink {
  raise(input: AlertInput): Promise<unknown>;
  clear(dedupKey: string): Promise<unknown>;
}

export function rootCauseDedupKey(clusterId: string): string {
  return `${ROOT_CAUSE_ALERT_KIND}:cluster:${clusterId}`;
}

export type AlertConfig = Pick<RootCauseConfig, 'recentMinutes' | 'windowHours' | 'criticalGrowth'>;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export function qualifies(c: TrackedCluster): boolean {
  return c.status !== 'closed' && (c.status === 'emerging' || c.surging) && c.concentration !== null;
}

export function rootCauseAlertInput(c: TrackedCluster, config: AlertConfig): AlertInput {
  const conc = c.concentration!;
  const labels: Record<string, string> = {
    cluster_id: c.clusterId,
    cluster_label: c.label,
    status: c.status,
    concentration_attribute: conc.attribute,
    concentration_value: conc.value,
    suggested_owner: c.owner,
    top_terms: c.topTerms.slice(0, 8).join(', '),
    sample_subjects: c.samples.join(' | '),
  };
  // Each concentrated attribute as its own label (product_batch: B-2311, region: eu-west),
  // so alert routes can match on them.
  for (const k of c.concentrated) if (LABEL_NAME.test(k.attribute) && !(k.attribute in labels)) labels[k.attribute] = k.value;
  const pct = Math.round(conc.share * 100);
  const growth = c.growth >= 10 ? Math.round(c.growth) : Math.round(c.growth * 10) / 10;
  return {
    kind: ROOT_CAUSE_ALERT_KIND,
    severity: c.growth >= config.criticalGrowth ? 'critical' : 'warning',
    dedup_key: rootCauseDedupKey(c.clusterId),
    subject: { type: 'cluster', id: c.clusterId },
    summary:
      `${c.status === 'emerging' ? 'Emerging' : 'Surging'} issue "${c.label}": ${c.recent} tickets in the last ${config.recentMinutes} min ` +
      `(${growth}× the earlier rate, ${c.size} in ${config.windowHours} h), ${pct}% ${conc.attribute} ${conc.value} — suggested owner: ${c.owner}.`,
    details: {
      size: c.size,
      recent: c.recent,
      growth: c.growth,
      concentration_share: conc.share,
      concentration_base_share: conc.baseShare,
      first_seen_ms: c.firstSeenMs,
      last_seen_ms: c.lastSeenMs,
    },
    labels,
  };
}

export interface RootCauseAlertPlan {
  raise: Array<{ clusterId: string; input: AlertInput }>;
  /** Cluster ids whose open alert should clear. */
  clear: string[];
}

export function planRootCauseAlerts(clusters: readonly TrackedCluster[], config: AlertConfig): RootCauseAlertPlan {
  // Every attribute value a cluster is concentrated on, not only the top one: a batch
  // belongs to a product, so a cluster named by "product Velvet Matte Lipstick" and one
  // named by "product_batch B-2311" that is also 100% that product are one cause.
  const keys = (c: TrackedCluster) => [c.concentration!, ...c.concentrated].map((k) => `${k.attribute}\u0000${k.value}`);
  const claimed = new Set<string>();
  // Open alerts of live clusters keep their cause, even while they stop qualifying.
  for (const c of clusters) if (c.alerted && c.status !== 'closed' && c.concentration) for (const k of keys(c)) claimed.add(k);
  const candidates = clusters.filter(qualifies).sort((a, b) => Number(b.alerted) - Number(a.alerted) || b.size - a.size);
  const plan: RootCauseAlertPlan = { raise: [], clear: [] };
  const raising = new Set<string>();
  for (const c of candidates) {
    if (!c.alerted && keys(c).some((k) => claimed.has(k))) continue;
    for (const k of keys(c)) claimed.add(k);
    raising.add(c.clusterId);
    plan.raise.push({ clusterId: c.clusterId, input: rootCauseAlertInput(c, config) });
  }
  for (const c of clusters) {
    if (c.alerted && !raising.has(c.clusterId) && (c.status === 'subsiding' || c.status === 'closed')) plan.clear.push(c.clusterId);
  }
  return plan;
}
