import { describe, expect, it } from 'vitest';
import { clusterLanguage, clusterTickets, profileClusters, type TicketText } from '../../processors/clustering/index.ts';
import { EN_TOPICS, ZH_TOPICS, plantedTickets } from '../support/clustering-fixtures.ts';

describe('profileClusters', () => {
  const attrs = [
    // cluster 0: 9 of 10 from batch B-2311 (2 of 30 elsewhere); channel email everywhere
    ...Array.from({ length: 10 }, (_, i) => ({ product_batch: i < 9 ? 'B-2311' : 'B-2310', channel: 'email', region: i < 5 ? 'eu-west' : 'us-east' })),
    ...Array.from({ length: 30 }, (_, i) => ({ product_batch: i < 2 ? 'B-2311' : `B-23${i % 5}0`, channel: 'email', region: i % 2 ? 'eu-west' : 'us-east' })),
  ];
  const assignments = attrs.map((_, i) => (i < 10 ? 0 : 1));

  it('reports the shares of each attribute value, most frequent first', () => {
    const [c0] = profileClusters(attrs, assignments, 2);
    expect(c0.profile.product_batch[0]).toEqual({ value: 'B-2311', count: 9, share: 0.9 });
    expect(c0.profile.product_batch[1]).toEqual({ value: 'B-2310', count: 1, share: 0.1 });
    expect(c0.profile.channel).toEqual([{ value: 'email', count: 10, share: 1 }]);
  });

  it('names the attribute value that concentrates a cluster, not one that is common everywhere', () => {
    const [c0, c1] = profileClusters(attrs, assignments, 2);
    expect(c0.concentration).toMatchObject({ attribute: 'product_batch', value: 'B-2311', share: 0.9 });
    expect(c0.concentration!.baseShare).toBeCloseTo(11 / 40, 12);
    expect(c0.concentration!.lift).toBeCloseTo(0.9 / (11 / 40), 12);
    // channel=email is 100% of both clusters but also of the run: no concentration there.
    expect(c1.concentration).toBeNull();
  });

  it('prefers a batch that stands out over a category that every cluster is made of', () => {
    // Three clusters, each 100% one category (as when the category follows from the text);
    // cluster 0 is also 70% batch B-2311, while batches elsewhere spread evenly.
    const rows = [0, 1, 2].flatMap((c) =>
      Array.from({ length: 20 }, (_, i) => ({
        category: ['product_defect', 'refund', 'delivery'][c],
        product_batch: c === 0 && i < 14 ? 'B-2311' : `B-23${i % 10}0`,
      })),
    );
    const [c0] = profileClusters(rows, rows.map((_, i) => Math.floor(i / 20)), 3);
    expect(c0.concentration).toMatchObject({ attribute: 'product_batch', value: 'B-2311', share: 0.7 });
    expect(c0.concentration!.typicalShare).toBeCloseTo(0.1, 12);
  });

  it('counts tickets without the attribute in the denominator', () => {
    const [c] = profileClusters([{ product: 'A' }, {}, undefined, { product: 'A' }], [0, 0, 0, 0], 1);
    expect(c.profile.product).toEqual([{ value: 'A', count: 2, share: 0.5 }]);
  });
});

describe('clusterTickets labels and profiles', () => {
  const { tickets } = plantedTickets(30, 5, [...EN_TOPICS, ...ZH_TOPICS]);
  // Plant a batch on the lipstick topic (topic 0) only.
  const withAttrs: TicketText[] = tickets.map((t, i) => ({
    ...t,
    attributes: {
      product_batch: t.id.startsWith('t0-') ? (i % 10 === 0 ? 'B-2310' : 'B-2311') : `B-23${(i % 4) + 1}0`,
      region: i % 3 === 0 ? 'eu-west' : 'us-east',
    },
  }));
  const r = clusterTickets(withAttrs, { seed: 2 });
  const clusterOf = (id: string) => r.clusters.find((c) => c.memberIds.includes(id))!;

  it('finds the planted batch as the concentration of the lipstick cluster', () => {
    const lipstick = clusterOf('t0-0');
    expect(lipstick.concentration?.attribute).toBe('product_batch');
    expect(lipstick.concentration?.value).toBe('B-2311');
    expect(lipstick.concentration!.share).toBeGreaterThanOrEqual(0.85);
    expect(lipstick.label).toMatch(/snapped|broken|lipstick|cracked|tube|bullet|matte|arrived/);
  });

  it('labels Chinese clusters in Chinese and English clusters in English', () => {
    const zh = clusterOf('t4-0');
    expect(zh.language).toBe('zh');
    expect(zh.label).toMatch(/^[\u4e00-\u9fff /]+$/);
    expect(zh.topTerms.some((t) => ZH_TOPICS[0].some((w) => t.term.includes(w) || w.includes(t.term)))).toBe(true);
    const en = clusterOf('t2-0');
    expect(en.language).toBe('en');
    expect(en.label).toMatch(/^[a-z /]+$/);
    expect(en.topTerms[0].share).toBeGreaterThan(en.topTerms[0].baseShare);
  });

  it('joins overlapping Chinese bigrams into the phrase the tickets contain', () => {
    const texts = Array.from({ length: 12 }, (_, i) => ({ id: `z${i}`, text: `我的退款还没到账，订单#A${20000000 + i}` }));
    const other = Array.from({ length: 12 }, (_, i) => ({ id: `e${i}`, text: `password reset link expired ${i % 3 ? 'again' : ''}` }));
    const res = clusterTickets([...texts, ...other], { k: 2, seed: 1 });
    const zh = res.clusters.find((c) => c.language === 'zh')!;
    expect(zh.topTerms.map((t) => t.term)).toContain('退款还没到账');
    // The pieces it was joined from are gone.
    expect(zh.topTerms.map((t) => t.term)).not.toContain('退款');
  });
});

describe('clusterLanguage', () => {
  it('decides by the share of Chinese texts', () => {
    expect(clusterLanguage(['口红断了', '退款没到', 'refund please'])).toBe('mixed');
    expect(clusterLanguage(['口红断了', '退款没到', '快递太慢', 'late'])).toBe('zh');
    expect(clusterLanguage(['refund', 'late parcel'])).toBe('en');
  });
});
