import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, clusterTickets, SeededRandom, sphericalKMeans } from '../../processors/clustering/index.ts';
import {
  approximateCosineKnn,
  blockDots,
  buildPoolIndex,
  exactCosineKnn,
  smoothEmbedding,
  smoothRows,
  uniqueRows,
  type KnnGraph,
} from '../../processors/clustering/smoothing.ts';
import { EN_TOPICS, ZH_TOPICS, plantedTickets } from '../support/clustering-fixtures.ts';

function unitRows(rows: number[][]): Float64Array {
  const d = rows[0]?.length ?? 0;
  const x = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    const norm = Math.hypot(...r);
    r.forEach((v, t) => (x[i * d + t] = norm > 0 ? v / norm : 0));
  });
  return x;
}

function randomUnit(n: number, d: number, seed: number): Float64Array {
  const rng = new SeededRandom(seed);
  return unitRows(Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal())));
}

/** Brute force: the m most similar rows of `pool` with positive cosine, ties to the smaller index. */
function bruteForce(q: Float64Array, rows: number, pool: Float64Array, poolRows: number, d: number, m: number, excludeSelf: boolean): number[][] {
  return Array.from({ length: rows }, (_, i) => {
    const c: [number, number][] = [];
    for (let j = 0; j < poolRows; j++) {
      if (excludeSelf && j === i) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += q[i * d + t] * pool[j * d + t];
      if (s > 0) c.push([s, j]);
    }
    c.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    return c.slice(0, m).map(([, j]) => j);
  });
}

const neighboursOf = (g: KnnGraph, i: number): number[] => [...g.indices.subarray(i * g.m, i * g.m + g.m)].filter((j) => j >= 0);

const cos = (x: Float64Array, i: number, j: number, d: number): number => {
  let s = 0;
  for (let t = 0; t < d; t++) s += x[i * d + t] * x[j * d + t];
  return s;
};

/**
 * Paraphrase groups: each group says one thing two ways — phrasing A on two coordinates
 * of its own, phrasing B on two others — plus "bridge" texts that use words of both. A and
 * B texts of one group share nothing (cosine ≈ 0); both share words with the bridges.
 */
function paraphraseGroups(groups: number, perKind: { A: number; B: number; bridge: number }, seed: number): { x: Float64Array; d: number; group: number[]; kind: string[] } {
  const rng = new SeededRandom(seed);
  const d = groups * 4 + 8;
  const rows: number[][] = [];
  const group: number[] = [];
  const kind: string[] = [];
  for (let g = 0; g < groups; g++) {
    for (const k of ['A', 'B', 'bridge'] as const) {
      for (let i = 0; i < perKind[k]; i++) {
        const v = Array.from({ length: d }, () => 0.08 * rng.normal());
        const a = () => {
          v[4 * g] += 1;
          v[4 * g + 1] += 0.3 + rng.next();
        };
        const b = () => {
          v[4 * g + 2] += 1;
          v[4 * g + 3] += 0.3 + rng.next();
        };
        if (k === 'A') a();
        else if (k === 'B') b();
        else {
          a();
          b();
        }
        rows.push(v);
        group.push(g);
        kind.push(k);
      }
    }
  }
  return { x: unitRows(rows), d, group, kind };
}

describe('exact cosine kNN', () => {
  it('matches brute force, including rows left over after the 4 × 4 tiles and duplicate rows', () => {
    for (const n of [1, 2, 5, 38, 103]) {
      const base = randomUnit(n, 9, n);
      // Duplicates: identical rows tie exactly; the smaller index must come first.
      if (n > 10) base.copyWithin(7 * 9, 3 * 9, 4 * 9);
      const g = exactCosineKnn(base, n, 9, 6);
      expect(g.m).toBe(Math.min(6, n - 1));
      const want = bruteForce(base, n, base, n, 9, g.m, true);
      for (let i = 0; i < n; i++) expect(neighboursOf(g, i)).toEqual(want[i]);
    }
  });

  it('copes with fewer rows than neighbours asked for (n < m + 1) and with no rows', () => {
    const x = unitRows([
      [1, 0.2, 0],
      [1, 0, 0.1],
      [0.9, 0.1, 0.1],
    ]);
    const g = exactCosineKnn(x, 3, 3, 10);
    expect(g.m).toBe(2);
    expect(neighboursOf(g, 0).sort()).toEqual([1, 2]);
    expect(exactCosineKnn(x, 1, 3, 10).m).toBe(0);
    expect(exactCosineKnn(new Float64Array(0), 0, 3, 10).indices).toHaveLength(0);
    // One row: smoothing leaves it as it is; three rows, m = 10: each averages with the two others.
    const one = smoothRows(x, 1, 3, exactCosineKnn(x, 1, 3, 10));
    one.forEach((v, t) => expect(v).toBeCloseTo(x[t], 14));
    const s = smoothRows(x, 3, 3, g);
    for (let i = 0; i < 3; i++) expect(cos(s, i, 0, 3)).toBeCloseTo(1, 12);
  });

  it('never links a zero row (a text with no known term), and leaves it zero', () => {
    const x = unitRows([
      [1, 0, 0],
      [0, 0, 0],
      [0.9, 0.1, 0],
      [0, 0, 1],
    ]);
    const g = exactCosineKnn(x, 4, 3, 3);
    for (let i = 0; i < 4; i++) expect(neighboursOf(g, i)).not.toContain(1);
    expect(neighboursOf(g, 1)).toEqual([]);
    const s = smoothRows(x, 4, 3, g);
    expect([...s.subarray(3, 6)]).toEqual([0, 0, 0]);
    // Orthogonal rows are no neighbours either: row 3 stays itself.
    expect([...s.subarray(9, 12)]).toEqual([0, 0, 1]);
  });
});

describe('approximate kNN against the working set (inverted lists)', () => {
  it('is exact when every list is probed', () => {
    const pool = randomUnit(230, 11, 1);
    const q = randomUnit(41, 11, 2);
    const index = buildPoolIndex(pool, 230, 11, 3);
    expect(index.lists).toBe(Math.ceil(Math.sqrt(230)));
    const g = approximateCosineKnn(q, 41, index, 7, index.lists);
    const want = bruteForce(q, 41, pool, 230, 11, 7, false);
    for (let i = 0; i < 41; i++) expect(neighboursOf(g, i)).toEqual(want[i]);
  });

  it('finds nearly all true neighbours with a few probes when the pool has structure', () => {
    const { x, d } = paraphraseGroups(12, { A: 20, B: 20, bridge: 20 }, 5);
    const n = x.length / d;
    const index = buildPoolIndex(x, n, d, 1);
    const g = approximateCosineKnn(x, n, index, 10, 3);
    const want = bruteForce(x, n, x, n, d, 10, false);
    let hit = 0;
    for (let i = 0; i < n; i++) hit += neighboursOf(g, i).filter((j) => want[i].includes(j)).length;
    expect(hit / (n * 10)).toBeGreaterThan(0.9);
  });

  it('blockDots equals plain dot products for ragged shapes', () => {
    const a = randomUnit(7, 5, 8);
    const b = randomUnit(10, 5, 9);
    const out = blockDots(a, 7, b, 10, 5);
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 10; j++) {
        let s = 0;
        for (let t = 0; t < 5; t++) s += a[i * 5 + t] * b[j * 5 + t];
        expect(out[i * 10 + j]).toBeCloseTo(s, 14);
      }
    }
  });
});

describe('kNN smoothing', () => {
  it('pulls paraphrases of one group together without merging groups', () => {
    // Families smaller than m: an A text's 10 neighbours are the other 4 A texts and the 6 bridges.
    const { x, d, group, kind } = paraphraseGroups(8, { A: 5, B: 5, bridge: 6 }, 3);
    const n = group.length;
    const s = smoothRows(x, n, d, exactCosineKnn(x, n, d, 10));
    const mean = (v: Float64Array, pick: (i: number, j: number) => boolean): number => {
      let sum = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          if (!pick(i, j)) continue;
          sum += cos(v, i, j, d);
          count++;
        }
      }
      return sum / count;
    };
    const paraphrase = (i: number, j: number): boolean => group[i] === group[j] && kind[i] === 'A' && kind[j] === 'B';
    const otherGroup = (i: number, j: number): boolean => group[i] !== group[j];
    expect(mean(x, paraphrase)).toBeLessThan(0.1);
    expect(mean(s, paraphrase)).toBeGreaterThan(0.5);
    expect(mean(s, otherGroup)).toBeLessThan(0.05);
    // Each smoothed row is unit length.
    for (let i = 0; i < n; i++) expect(cos(s, i, i, d)).toBeCloseTo(1, 12);
    // k-means with k = number of groups finds the groups on the smoothed rows.
    const km = sphericalKMeans(s, n, d, { k: 8, seed: 1, restarts: 3 });
    expect(adjustedRandIndex(group, km.assignments)).toBeGreaterThan(0.95);
  });

  it('is deterministic', () => {
    const x = randomUnit(301, 16, 4);
    const a = smoothRows(x, 301, 16, exactCosineKnn(x, 301, 16, 10));
    const b = smoothRows(x, 301, 16, exactCosineKnn(x, 301, 16, 10));
    expect([...b]).toEqual([...a]);
  });
});

describe('identical rows', () => {
  it('are collapsed with their counts, in order of first occurrence', () => {
    const x = unitRows([
      [1, 0],
      [0, 1],
      [1, 0],
      [0.6, 0.8],
      [0, 1],
      [1, 0],
    ]);
    const u = uniqueRows(x, 2, 6);
    expect(u.size).toBe(3);
    expect([...u.count]).toEqual([3, 2, 1]);
    expect([...u.of]).toEqual([0, 1, 0, 2, 1, 0]);
    const sub = uniqueRows(x, 2, 6, Int32Array.from([3, 4, 1]));
    expect([...sub.of]).toEqual([0, 1, 1]);
    expect([...sub.rows]).toEqual([...x.subarray(6, 8), ...x.subarray(8, 10)]);
  });

  it('smooth as if every copy were searched: copies first, then neighbours by similarity', () => {
    // 60 rows drawn from 17 distinct vectors: the collapsed search must give what the
    // plain search over all copies gives.
    const base = randomUnit(17, 6, 21);
    const rng = new SeededRandom(5);
    const n = 60;
    const x = new Float64Array(n * 6);
    for (let i = 0; i < n; i++) {
      const b = i < 17 ? i : rng.int(17);
      x.set(base.subarray(b * 6, b * 6 + 6), i * 6);
    }
    const plain = smoothRows(x, n, 6, exactCosineKnn(x, n, 6, 10));
    const { working, all } = smoothEmbedding(x, n, 6, null, 10, 1);
    expect(all).toBe(working);
    for (let i = 0; i < n * 6; i++) expect(working[i]).toBeCloseTo(plain[i], 12);
  });

  it('outside the working set: neighbours come from the working set (exact when every list is probed)', () => {
    // 9 distinct working rows → 3 inverted lists, all of them probed.
    const base = randomUnit(9, 5, 31);
    const others = randomUnit(20, 5, 32);
    const n = 40;
    const x = new Float64Array(n * 5);
    const wIdx = Int32Array.from({ length: 20 }, (_, r) => 2 * r);
    wIdx.forEach((i, r) => x.set(base.subarray((r % 9) * 5, (r % 9) * 5 + 5), i * 5));
    for (let r = 0; r < 20; r++) x.set(others.subarray(r * 5, r * 5 + 5), (2 * r + 1) * 5);
    const pool = new Float64Array(20 * 5);
    wIdx.forEach((i, r) => pool.set(x.subarray(i * 5, i * 5 + 5), r * 5));
    const { working, all } = smoothEmbedding(x, n, 5, wIdx, 4, 1);
    const wantWorking = smoothRows(pool, 20, 5, exactCosineKnn(pool, 20, 5, 4));
    for (let i = 0; i < 20 * 5; i++) expect(working[i]).toBeCloseTo(wantWorking[i], 12);
    for (let r = 0; r < 20; r++) {
      const i = 2 * r + 1;
      const q = x.subarray(i * 5, i * 5 + 5);
      const nn = bruteForce(q, 1, pool, 20, 5, 4, false)[0];
      const want = Float64Array.from(q);
      for (const j of nn) for (let t = 0; t < 5; t++) want[t] += pool[j * 5 + t];
      const norm = Math.hypot(...want);
      for (let t = 0; t < 5; t++) expect(all[i * 5 + t]).toBeCloseTo(want[t] / norm, 12);
      // Working rows keep their working-set value.
      for (let t = 0; t < 5; t++) expect(all[2 * r * 5 + t]).toBe(working[r * 5 + t]);
    }
  });
});

describe('clusterTickets with smoothing', () => {
  const { tickets, truth } = plantedTickets(40, 7, [...EN_TOPICS, ...ZH_TOPICS]);

  it('is on by default, timed, and still recovers planted topics (also through a working set)', () => {
    const r = clusterTickets(tickets, { seed: 3 });
    expect(r.timings.smoothMs).toBeGreaterThan(0);
    expect(adjustedRandIndex(truth, r.assignments)).toBeGreaterThanOrEqual(0.9);
    const w = clusterTickets(tickets, { seed: 3, workingSetSize: 100 });
    expect(adjustedRandIndex(truth, w.assignments)).toBeGreaterThanOrEqual(0.9);
    const again = clusterTickets(tickets, { seed: 3, workingSetSize: 100 });
    expect([...again.assignments]).toEqual([...w.assignments]);
  });

  it('can be turned off, and refuses a bad neighbour count', () => {
    const r = clusterTickets(tickets, { seed: 3, smoothingNeighbours: 0 });
    expect(r.timings.smoothMs).toBe(0);
    expect(adjustedRandIndex(truth, r.assignments)).toBeGreaterThanOrEqual(0.9);
    expect(() => clusterTickets(tickets, { smoothingNeighbours: -1 })).toThrow(RangeError);
    expect(() => clusterTickets(tickets, { smoothingNeighbours: 2.5 })).toThrow(RangeError);
  });

  it('does not blur a handful of tickets into one: at most a tenth of them are neighbours', () => {
    const two = clusterTickets(
      [
        { id: 'a', text: 'lipstick arrived broken' },
        { id: 'b', text: 'refund still not received' },
      ],
      { k: 2 },
    );
    expect(two.timings.smoothMs).toBe(0);
    expect(new Set(two.assignments).size).toBe(2);
    // 24 tickets, three topics: smoothing with 2 neighbours keeps them apart.
    const small = plantedTickets(8, 5, EN_TOPICS.slice(0, 3));
    const r = clusterTickets(small.tickets, { seed: 1 });
    expect(r.timings.smoothMs).toBeGreaterThan(0);
    expect(adjustedRandIndex(small.truth, r.assignments)).toBeGreaterThanOrEqual(0.9);
  });
});
