// Cluster identity across runs and the alert plan, on synthetic term centroids.
import { describe, expect, it } from 'vitest';
import { clusterGrowth, parseRootCauseConfig, planRootCauseAlerts, poissonUpperTail, trackClusters, type ObservedCluster, type TrackedCluster } from '../../processors/root-cause/index.ts';

const config = parseRootCauseConfig({});
const T0 = Date.UTC(2026, 10, 17, 9);
const STEP = 15 * 60_000;

function observed(terms: string[], size: number, extra: Partial<ObservedCluster> = {}): ObservedCluster {
  return {
    size,
    memberIds: Array.from({ length: size }, (_, i) => `${terms[0]}-${i}`),
    centroid: [1, 0],
    termCentroid: terms.map((key) => ({ key, term: key, weight: 1 })),
    label: terms.slice(0, 3).join(' / '),
    topTerms: terms,
    profile: {},
    recent: 1,
    growth: 1,
    surging: false,
    concentration: null,
    concentrated: [],
    samples: [],
    newestMs: T0,
    ...extra,
  };
}

const run = (previous: TrackedCluster[], obs: ObservedCluster[], nowMs: number) =>
  trackClusters({ previous, observed: obs, nowMs, config, newId: (i) => `c-${nowMs}-${i}` });

describe('root-cause tracking', () => {
  it('keeps a growing cluster under its id and gives a new incident a new id', () => {
    const first = run([], [observed(['refund', 'money', 'back', 'bank'], 20), observed(['login', 'password', 'reset'], 15)], T0);
    const refundId = first[0].clusterId;
    // The refund cluster grew and its wording drifted a little; a new lipstick topic appeared.
    const lipstick = observed(['lipstick', 'snapped', 'batch'], 12, {
      recent: 12,
      growth: 40,
      surging: true,
      concentration: { attribute: 'product_batch', value: 'B-2311', share: 0.9, baseShare: 0.01 },
      concentrated: [{ attribute: 'product_batch', value: 'B-2311', share: 0.9, baseShare: 0.01 }],
    });
    const second = run(first, [observed(['refund', 'money', 'back', 'card'], 35), lipstick, observed(['login', 'password', 'reset'], 14)], T0 + STEP);
    const refund = second.find((c) => c.label.startsWith('refund'))!;
    expect(refund.clusterId).toBe(refundId);
    expect(refund.firstSeenMs).toBe(T0);
    expect(refund.history.map((h) => h.size)).toEqual([20, 35]);
    const incident = second.find((c) => c.label.startsWith('lipstick'))!;
    expect(first.map((c) => c.clusterId)).not.toContain(incident.clusterId);
    expect(incident.status).toBe('emerging');
    expect(incident.owner).toBe('QA');
    expect(second.filter((c) => c.status === 'closed')).toEqual([]);

    // A topic that vanished closes; the alert plan raises once for the incident.
    const plan = planRootCauseAlerts(second, config);
    expect(plan.raise.map((r) => r.clusterId)).toEqual([incident.clusterId]);
    expect(plan.raise[0].input.labels?.product_batch).toBe('B-2311');
    incident.alerted = true;
    const third = run(second, [observed(['refund', 'money', 'back', 'card'], 36), observed(['lipstick', 'snapped', 'batch'], 13, { growth: 0.1 })], T0 + 2 * STEP);
    expect(third.find((c) => c.label.startsWith('login'))!.status).toBe('closed');
    const subsided = third.find((c) => c.clusterId === incident.clusterId)!;
    expect(subsided.status).toBe('subsiding');
    expect(planRootCauseAlerts(third, config).clear).toEqual([incident.clusterId]);
  });

  it('raises one alert when two clusters name the same batch', () => {
    const conc = { attribute: 'product_batch', value: 'B-2311', share: 0.9, baseShare: 0.01 };
    const a = observed(['lipstick', 'snapped'], 30, { surging: true, growth: 20, recent: 20, concentration: conc, concentrated: [conc] });
    const b = observed(['口红', '断了'], 10, { surging: true, growth: 20, recent: 8, concentration: conc, concentrated: [conc] });
    const plan = planRootCauseAlerts(run([], [a, b], T0), config);
    expect(plan.raise).toHaveLength(1);
    expect(plan.raise[0].input.subject.id).toBe(`c-${T0}-0`);
  });

  it('raises one alert when one cluster is named by the product and another by a batch of that product', () => {
    const product = { attribute: 'product', value: 'Velvet Matte Lipstick', share: 0.81, baseShare: 0.05 };
    const batch = { attribute: 'product_batch', value: 'B-2311', share: 0.94, baseShare: 0.02 };
    const wholeProduct = { ...product, share: 1 };
    const a = observed(['broken', 'arrived', 'pump'], 40, { surging: true, growth: 8, recent: 21, concentration: product, concentrated: [product] });
    const b = observed(['half', 'snapped', 'batch'], 20, { surging: true, growth: 16, recent: 17, concentration: batch, concentrated: [batch, wholeProduct] });
    const plan = planRootCauseAlerts(run([], [a, b], T0), config);
    expect(plan.raise).toHaveLength(1);
    // A different product's batch is a different cause.
    const other = observed(['melted', 'tube'], 15, {
      surging: true,
      growth: 9,
      recent: 9,
      concentration: { ...batch, value: 'B-2308' },
      concentrated: [{ ...batch, value: 'B-2308' }, { ...product, value: 'Hydra Sunscreen' }],
    });
    expect(planRootCauseAlerts(run([], [a, b, other], T0), config).raise).toHaveLength(2);
  });

  it('keeps every value an alerted cluster was concentrated on, so a later sibling of the same incident stays quiet', () => {
    const batch = { attribute: 'product_batch', value: 'B-2311', share: 0.94, baseShare: 0.02 };
    const product = { attribute: 'product', value: 'Velvet Matte Lipstick', share: 1, baseShare: 0.05 };
    const first = run([], [observed(['half', 'snapped', 'batch'], 20, { surging: true, growth: 16, recent: 17, concentration: batch, concentrated: [batch, product] })], T0);
    const alerted = first.map((c) => ({ ...c, alerted: true }));
    // 15 min later the cluster no longer surges (its own earlier tickets now include the
    // incident), and a sibling cluster named only by the product surges.
    const sibling = observed(['broken', 'arrived', 'pump'], 40, { surging: true, growth: 8, recent: 21, concentration: { ...product, share: 0.79 }, concentrated: [{ ...product, share: 0.79 }] });
    const second = run(alerted, [observed(['half', 'snapped', 'batch'], 26, { growth: 1.4, recent: 6 }), sibling], T0 + STEP);
    const kept = second.find((c) => c.clusterId === alerted[0].clusterId)!;
    expect(kept.concentrated.map((k) => `${k.attribute}=${k.value}`)).toEqual(['product_batch=B-2311', 'product=Velvet Matte Lipstick']);
    expect(planRootCauseAlerts(second, config).raise).toEqual([]);
  });
});

describe('surge significance', () => {
  it('Poisson upper tails match closed forms and tables', () => {
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 12);
    // P(X ≥ 5 | λ = 1) = 1 − e⁻¹(1 + 1 + 1/2 + 1/6 + 1/24)
    expect(poissonUpperTail(5, 1)).toBeCloseTo(1 - Math.exp(-1) * (1 + 1 + 1 / 2 + 1 / 6 + 1 / 24), 12);
    // Far tails stay accurate where 1 − CDF would cancel to 0.
    expect(poissonUpperTail(40, 1)).toBeGreaterThan(1e-49);
    expect(poissonUpperTail(40, 1)).toBeLessThan(1e-47);
    expect(poissonUpperTail(3, 0)).toBe(0);
  });

  it('five tickets in 30 min after 60 in a day is a ratio of 3.9 but not rare enough; fifteen is', () => {
    const now = Date.UTC(2026, 10, 17, 10);
    const day = (recent: number, earlier: number) => [
      ...Array.from({ length: earlier }, (_, i) => now - 24 * 3_600_000 + i * ((23.5 * 3_600_000) / earlier)),
      ...Array.from({ length: recent }, (_, i) => now - 60_000 * (1 + i)),
    ];
    const g5 = clusterGrowth({ createdMs: day(5, 60), nowMs: now, windowStartMs: now - 24 * 3_600_000, recentMs: 30 * 60_000 });
    expect(g5.growth).toBeGreaterThan(3.5);
    expect(g5.pValue).toBeGreaterThan(0.01 / 60);
    const g15 = clusterGrowth({ createdMs: day(15, 60), nowMs: now, windowStartMs: now - 24 * 3_600_000, recentMs: 30 * 60_000 });
    expect(g15.pValue).toBeLessThan(1e-9);
  });
});
