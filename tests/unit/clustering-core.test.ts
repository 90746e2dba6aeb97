import { describe, expect, it } from 'vitest';
import {
  adjustedRandIndex,
  clusterTickets,
  cosineSimilarity,
  exactCosineSilhouette,
  FeatureModel,
  sphericalKMeans,
  termCosine,
} from '../../processors/clustering/index.ts';
import { EN_TOPICS, ZH_TOPICS, plantedTickets } from '../support/clustering-fixtures.ts';

describe('clusterTickets on planted clusters', () => {
  const { tickets, truth } = plantedTickets(40, 7, [...EN_TOPICS, ...ZH_TOPICS]);

  it('recovers the planted topics with k chosen automatically', () => {
    const r = clusterTickets(tickets, { seed: 3 });
    expect(r.k).toBe(6);
    expect(r.selection.method).toBe('silhouette');
    expect(adjustedRandIndex(truth, r.assignments)).toBeGreaterThanOrEqual(0.9);
    expect(r.clusters.reduce((s, c) => s + c.size, 0)).toBe(tickets.length);
    // Largest first, ids 0 … k−1, members consistent with the assignments.
    r.clusters.forEach((c, i) => {
      expect(c.id).toBe(i);
      if (i > 0) expect(c.size).toBeLessThanOrEqual(r.clusters[i - 1].size);
      for (const id of c.memberIds) expect(r.assignments[tickets.findIndex((t) => t.id === id)]).toBe(c.id);
    });
  });

  it('honours a fixed k', () => {
    const r = clusterTickets(tickets, { k: 3, seed: 3 });
    expect(r.k).toBe(3);
    expect(r.clusters).toHaveLength(3);
    expect(r.selection.method).toBe('fixed');
  });

  it('gives the same clusters for the same input and seed', () => {
    const a = clusterTickets(tickets, { seed: 11 });
    const b = clusterTickets(tickets, { seed: 11 });
    expect([...b.assignments]).toEqual([...a.assignments]);
    expect(b.clusters.map((c) => c.label)).toEqual(a.clusters.map((c) => c.label));
    expect(Array.from(b.clusters[0].centroid)).toEqual(Array.from(a.clusters[0].centroid));
  });

  it('refines a working-set solution on all tickets', () => {
    const r = clusterTickets(tickets, { seed: 3, workingSetSize: 160 });
    expect(r.assignments).toHaveLength(tickets.length);
    expect(adjustedRandIndex(truth, r.assignments)).toBeGreaterThanOrEqual(0.9);
  });

  it('lets a later run project into the same space, so centroids match across runs', () => {
    const first = clusterTickets(tickets, { seed: 3 });
    const later = plantedTickets(25, 99, [...EN_TOPICS, ...ZH_TOPICS]);
    const second = clusterTickets(later.tickets, { seed: 3, featureModel: first.featureModel });
    expect(second.featureModel).toBe(first.featureModel);
    for (const c of second.clusters) {
      const sims = first.clusters.map((p) => cosineSimilarity(p.centroid, c.centroid));
      const best = Math.max(...sims);
      expect(best).toBeGreaterThan(0.9);
      // The best match in term space is the same cluster.
      const termSims = first.clusters.map((p) => termCosine(p.termCentroid, c.termCentroid));
      expect(termSims.indexOf(Math.max(...termSims))).toBe(sims.indexOf(best));
    }
  });
});

describe('clusterTickets edge cases', () => {
  it('handles no tickets', () => {
    const r = clusterTickets([]);
    expect(r.k).toBe(0);
    expect(r.clusters).toEqual([]);
    expect(r.assignments).toHaveLength(0);
  });

  it('handles a single ticket', () => {
    const r = clusterTickets([{ id: 'only', text: 'My lipstick arrived broken', attributes: { product: 'Lipstick' } }]);
    expect(r.k).toBe(1);
    expect(r.clusters[0].memberIds).toEqual(['only']);
    expect(r.clusters[0].profile.product).toEqual([{ value: 'Lipstick', count: 1, share: 1 }]);
  });

  it('handles texts without any usable term', () => {
    const r = clusterTickets([
      { id: 'a', text: '' },
      { id: 'b', text: 'thanks!' },
      { id: 'c', text: '???' },
    ]);
    expect(r.k).toBe(1);
    expect(r.clusters[0].size).toBe(3);
  });

  it('caps a fixed k at the number of tickets', () => {
    const r = clusterTickets(
      [
        { id: 'a', text: 'refund not received' },
        { id: 'b', text: 'password reset fails' },
      ],
      { k: 5 },
    );
    expect(r.k).toBe(2);
    expect(new Set(r.assignments).size).toBe(2);
  });

  it('rejects a k that is not a positive integer', () => {
    expect(() => clusterTickets([{ id: 'a', text: 'x y' }], { k: 0 })).toThrow(RangeError);
  });
});

describe('sphericalKMeans and silhouette', () => {
  // Three tight bundles of unit vectors in 3-D.
  const pts = [
    [1, 0.05, 0], [1, -0.05, 0], [0.98, 0, 0.05],
    [0, 1, 0.05], [0.05, 1, 0], [0, 0.97, -0.05],
    [0, 0.05, 1], [0.05, 0, 1], [-0.05, 0, 0.98],
  ].map((p) => {
    const n = Math.hypot(...p);
    return p.map((v) => v / n);
  });
  const x = Float64Array.from(pts.flat());

  it('finds the three bundles, with the native loop and with ml-kmeans alike', () => {
    const truth = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const native = sphericalKMeans(x, 9, 3, { k: 3, seed: 5 });
    const ml = sphericalKMeans(x, 9, 3, { k: 3, seed: 5, engine: 'ml-kmeans' });
    expect(adjustedRandIndex(truth, native.assignments)).toBe(1);
    expect(adjustedRandIndex(truth, ml.assignments)).toBe(1);
    expect(ml.objective).toBeCloseTo(native.objective, 9);
  });

  it('computes the exact silhouette: high for the right partition, lower for a wrong one', () => {
    const good = exactCosineSilhouette(x, 9, 3, [0, 0, 0, 1, 1, 1, 2, 2, 2], 3);
    const bad = exactCosineSilhouette(x, 9, 3, [0, 1, 2, 0, 1, 2, 0, 1, 2], 3);
    expect(good).toBeGreaterThan(0.9);
    expect(bad).toBeLessThan(0);
  });
});

describe('FeatureModel', () => {
  it('embeds texts as unit vectors and transforms unseen texts into the same space', () => {
    const { tickets } = plantedTickets(20);
    const model = FeatureModel.fit(tickets.map((t) => t.text), { seed: 1 });
    const a = model.transform(['lipstick snapped broken tube']);
    const b = model.transform(['my lipstick tube arrived cracked and broken']);
    const c = model.transform(['password reset code locked login']);
    const norm = Math.hypot(...a.vectors);
    expect(norm).toBeCloseTo(1, 9);
    expect(cosineSimilarity(a.vectors, b.vectors)).toBeGreaterThan(cosineSimilarity(a.vectors, c.vectors) + 0.5);
  });
});

describe('automatic k on small inputs', () => {
  it('still separates three topics among 24 tickets', () => {
    const { tickets, truth } = plantedTickets(8, 21, EN_TOPICS.slice(0, 3));
    const r = clusterTickets(tickets, { seed: 4 });
    expect(r.k).toBe(3);
    expect(adjustedRandIndex(truth, r.assignments)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('attribute masking', () => {
  it('clusters by problem, not by the product named in every text', () => {
    const products = ['Velvet Matte Lipstick Deluxe Edition', 'Hydra Boost Serum Night Formula'];
    const problems = ['arrived broken snapped in half', 'refund never received still waiting'];
    const tickets = Array.from({ length: 40 }, (_, i) => {
      const product = products[i % 2];
      return { id: `p${i}`, text: `${product} ${product} ${problems[Math.floor(i / 20)]} ${i % 3 ? 'today' : ''}`, attributes: { product } };
    });
    const problem = tickets.map((_, i) => Math.floor(i / 20));
    const r = clusterTickets(tickets, { k: 2, seed: 1 });
    expect(adjustedRandIndex(problem, r.assignments)).toBe(1);
    // The product is still visible, in the profile.
    expect(r.clusters[0].profile.product.map((v) => v.share)).toEqual([0.5, 0.5]);
  });
});
