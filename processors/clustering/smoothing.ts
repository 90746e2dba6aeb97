// Neighbourhood smoothing of the embedding: each ticket's vector is replaced by the
// normalised mean of itself and its m most similar tickets (cosine kNN). Short texts that
// say the same thing in different words ("card not here yet" / "where is my card") share
// few terms, but they usually share neighbours; averaging over the kNN graph pulls such
// paraphrases together before k-means (one step of graph diffusion).
//
// Exact kNN on up to the working set (n² · d, blocked); tickets outside it look for their
// neighbours in the working set through a small inverted-file index (IVF, as FAISS): the
// pool is over-clustered into ⌈√n⌉ lists and only the nearest lists are searched.
// Identical rows are collapsed first and searched once.
import { gatherRows, normaliseRow, sphericalKMeans } from './kmeans.ts';

export interface KnnGraph {
  /** Neighbours kept per row (≤ requested m; fewer when the pool is smaller). */
  m: number;
  rows: number;
  /** rows × m pool indices, most similar first; −1 where a row has fewer neighbours. */
  indices: Int32Array;
  /** rows × m cosines, matching `indices`. */
  sims: Float64Array;
}

/** Default neighbours per ticket (fixed a priori, not tuned; see docs/root-cause.md). */
export const DEFAULT_SMOOTHING_NEIGHBOURS = 10;

const TILE = 4;
/** Rows per cache block of the exact search. */
const BLOCK = 64;

/**
 * Exact m nearest neighbours by cosine among the rows of x (unit length or zero), self
 * excluded. Only neighbours with a positive cosine count (a zero row has none). Ties go
 * to the smaller index, so the result is deterministic.
 */
export function exactCosineKnn(x: Float64Array, n: number, d: number, m: number): KnnGraph {
  const mm = Math.max(0, Math.min(m, n - 1));
  const indices = new Int32Array(n * mm).fill(-1);
  const sims = new Float64Array(n * mm);
  if (mm === 0) return { m: mm, rows: n, indices, sims };
  const floor = new Float64Array(n);
  // Blocks of rows small enough that a pair of them stays in cache; each pair of rows once.
  const buf = new Float64Array(BLOCK * BLOCK);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const bi = Math.min(BLOCK, n - i0);
    const a = x.subarray(i0 * d, (i0 + bi) * d);
    for (let j0 = i0; j0 < n; j0 += BLOCK) {
      const bj = Math.min(BLOCK, n - j0);
      blockDots(a, bi, x.subarray(j0 * d, (j0 + bj) * d), bj, d, buf);
      for (let u = 0; u < bi; u++) {
        const i = i0 + u;
        for (let v = j0 === i0 ? u + 1 : 0; v < bj; v++) {
          const s = buf[u * bj + v];
          if (s <= 0) continue;
          const j = j0 + v;
          if (s >= floor[i]) offer(indices, sims, floor, mm, i, j, s);
          if (s >= floor[j]) offer(indices, sims, floor, mm, j, i, s);
        }
      }
    }
  }
  return { m: mm, rows: n, indices, sims };
}

/**
 * Offers neighbour j (cosine s > 0) to row i's sorted top-m list: better = more similar,
 * then smaller index, so the result does not depend on the order of the offers.
 */
function offer(indices: Int32Array, sims: Float64Array, floor: Float64Array, m: number, i: number, j: number, s: number): void {
  const o = i * m;
  const last = o + m - 1;
  if (indices[last] >= 0 && (s < sims[last] || (s === sims[last] && j > indices[last]))) return;
  let p = m - 1;
  while (p > 0 && (indices[o + p - 1] < 0 || sims[o + p - 1] < s || (sims[o + p - 1] === s && indices[o + p - 1] > j))) {
    sims[o + p] = sims[o + p - 1];
    indices[o + p] = indices[o + p - 1];
    p--;
  }
  sims[o + p] = s;
  indices[o + p] = j;
  if (indices[last] >= 0) floor[i] = sims[last];
}

export interface PoolIndex {
  poolRows: number;
  d: number;
  lists: number;
  /** lists × d unit centroids. */
  centroids: Float64Array;
  /** Members of list c are order[start[c] … start[c+1]) (pool row numbers)… */
  start: Int32Array;
  order: Int32Array;
  /** … and their rows, copied contiguously in that order. */
  rows: Float64Array;
}

/**
 * Inverted-file index over the pool rows: spherical k-means into ⌈√n⌉ lists (one plain
 * k-means++ start, a few Lloyd passes — a coarse partition is all it needs).
 */
export function buildPoolIndex(pool: Float64Array, poolRows: number, d: number, seed: number): PoolIndex {
  const lists = Math.max(1, Math.min(poolRows, Math.ceil(Math.sqrt(poolRows))));
  const km = sphericalKMeans(pool, poolRows, d, { k: lists, seed, restarts: 1, localTrials: 1, maxIterations: 5 });
  const start = new Int32Array(km.k + 1);
  for (let i = 0; i < poolRows; i++) start[km.assignments[i] + 1]++;
  for (let c = 0; c < km.k; c++) start[c + 1] += start[c];
  const fill = start.slice(0, km.k);
  const order = new Int32Array(poolRows);
  for (let i = 0; i < poolRows; i++) order[fill[km.assignments[i]]++] = i;
  return { poolRows, d, lists: km.k, centroids: km.centroids, start, order, rows: gatherRows(pool, order, d) };
}

/**
 * Approximate m nearest pool rows of each query row: the pool members of the query's
 * `probes` nearest lists, searched exactly (list by list, so the dot products run as
 * blocked matrix products). Same conventions as exactCosineKnn, ties to the smaller
 * pool index.
 */
export function approximateCosineKnn(queries: Float64Array, rows: number, index: PoolIndex, m: number, probes: number): KnnGraph {
  const { d, lists, centroids, start, order } = index;
  const mm = Math.max(0, Math.min(m, index.poolRows));
  const indices = new Int32Array(rows * mm).fill(-1);
  const sims = new Float64Array(rows * mm);
  if (mm === 0 || rows === 0) return { m: mm, rows, indices, sims };
  const p = Math.max(1, Math.min(probes, lists));
  // The p best lists of every query (ties to the smaller list).
  const listSim = blockDots(queries, rows, centroids, lists, d);
  const probe = new Int32Array(rows * p).fill(-1);
  const probeCount = new Int32Array(lists);
  for (let q = 0; q < rows; q++) {
    const o = q * p;
    for (let c = 0; c < lists; c++) {
      const s = listSim[q * lists + c];
      let r = p - 1;
      if (probe[o + r] >= 0 && listSim[q * lists + probe[o + r]] >= s) continue;
      while (r > 0 && (probe[o + r - 1] < 0 || listSim[q * lists + probe[o + r - 1]] < s)) {
        probe[o + r] = probe[o + r - 1];
        r--;
      }
      probe[o + r] = c;
    }
    for (let r = 0; r < p; r++) probeCount[probe[o + r]]++;
  }
  // Queries by list.
  const qStart = new Int32Array(lists + 1);
  for (let c = 0; c < lists; c++) qStart[c + 1] = qStart[c] + probeCount[c];
  const qFill = qStart.slice(0, lists);
  const qOrder = new Int32Array(rows * p);
  for (let q = 0; q < rows; q++) for (let r = 0; r < p; r++) qOrder[qFill[probe[q * p + r]]++] = q;
  const floor = new Float64Array(rows);
  for (let c = 0; c < lists; c++) {
    const nq = qStart[c + 1] - qStart[c];
    const nb = start[c + 1] - start[c];
    if (nq === 0 || nb === 0) continue;
    const qRows = new Float64Array(nq * d);
    for (let u = 0; u < nq; u++) {
      const q = qOrder[qStart[c] + u];
      qRows.set(queries.subarray(q * d, q * d + d), u * d);
    }
    const dots = blockDots(qRows, nq, index.rows.subarray(start[c] * d, start[c + 1] * d), nb, d);
    for (let u = 0; u < nq; u++) {
      const q = qOrder[qStart[c] + u];
      for (let v = 0; v < nb; v++) {
        const s = dots[u * nb + v];
        if (s > 0 && s >= floor[q]) offer(indices, sims, floor, mm, q, order[start[c] + v], s);
      }
    }
  }
  return { m: mm, rows, indices, sims };
}

/** A · Bᵀ for row-major A (na × d) and B (nb × d), in 4 × 4 tiles. */
export function blockDots(a: Float64Array, na: number, b: Float64Array, nb: number, d: number, out = new Float64Array(na * nb)): Float64Array {
  const fa = na - (na % TILE);
  const fb = nb - (nb % TILE);
  for (let i0 = 0; i0 < fa; i0 += TILE) {
    const a0 = i0 * d;
    const a1 = a0 + d;
    const a2 = a1 + d;
    const a3 = a2 + d;
    for (let j0 = 0; j0 < fb; j0 += TILE) {
      const b0 = j0 * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let t = 0; t < d; t++) {
        const x0 = a[a0 + t];
        const x1 = a[a1 + t];
        const x2 = a[a2 + t];
        const x3 = a[a3 + t];
        const y0 = b[b0 + t];
        const y1 = b[b1 + t];
        const y2 = b[b2 + t];
        const y3 = b[b3 + t];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      let o = i0 * nb + j0;
      out[o] = s00; out[o + 1] = s01; out[o + 2] = s02; out[o + 3] = s03;
      o += nb;
      out[o] = s10; out[o + 1] = s11; out[o + 2] = s12; out[o + 3] = s13;
      o += nb;
      out[o] = s20; out[o + 1] = s21; out[o + 2] = s22; out[o + 3] = s23;
      o += nb;
      out[o] = s30; out[o + 1] = s31; out[o + 2] = s32; out[o + 3] = s33;
    }
  }
  // Edges: rows past the last full tile against everything, and the remaining columns.
  for (let i = 0; i < na; i++) {
    for (let j = i < fa ? fb : 0; j < nb; j++) {
      let s = 0;
      const ao = i * d;
      const bo = j * d;
      for (let t = 0; t < d; t++) s += a[ao + t] * b[bo + t];
      out[i * nb + j] = s;
    }
  }
  return out;
}

export interface SmoothOptions {
  /** Rows the graph's indices point into (default: x itself). */
  pool?: Float64Array;
  /** Copies of each pool row (default 1 each): a neighbour counts that many times, up to m in all. */
  poolCount?: Int32Array;
  /** Copies of each row of x (default 1): a row's own other copies are its nearest neighbours. */
  selfCount?: Int32Array;
  /** Neighbours to average over, counting copies (default: graph.m). */
  m?: number;
}

/**
 * Row i of the result = normalise(x_i + Σ of its m nearest neighbours), where a row with
 * copies (identical rows collapsed by uniqueRows) takes its own other copies first, then
 * its neighbours' copies in order of similarity. A zero row (a text with no known term)
 * stays zero.
 */
export function smoothRows(x: Float64Array, rows: number, d: number, graph: KnnGraph, opts: SmoothOptions = {}): Float64Array {
  const pool = opts.pool ?? x;
  const m = opts.m ?? graph.m;
  const out = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++) {
    const o = i * d;
    let self = 0;
    for (let t = 0; t < d; t++) self += x[o + t] * x[o + t];
    if (self === 0) continue;
    const own = Math.min(opts.selfCount ? opts.selfCount[i] - 1 : 0, m);
    for (let t = 0; t < d; t++) out[o + t] = (1 + own) * x[o + t];
    let left = m - own;
    for (let r = 0; r < graph.m && left > 0; r++) {
      const j = graph.indices[i * graph.m + r];
      if (j < 0) break;
      const c = Math.min(opts.poolCount ? opts.poolCount[j] : 1, left);
      left -= c;
      const jo = j * d;
      for (let t = 0; t < d; t++) out[o + t] += c * pool[jo + t];
    }
    normaliseRow(out, i, d);
  }
  return out;
}

export interface UniqueRows {
  /** Distinct rows, in order of first occurrence (size × d). */
  rows: Float64Array;
  size: number;
  /** Copies of each distinct row. */
  count: Int32Array;
  /** For each input row (of `ids`, when given), the index of its distinct row. */
  of: Int32Array;
}

/**
 * Collapses identical rows (bit for bit) of x — or of the rows `ids` of x. Tickets are
 * often literally the same text after normalisation (forms, templates, "where is my
 * parcel"), and identical rows need one kNN search, not one each.
 */
export function uniqueRows(x: Float64Array, d: number, n: number, ids?: Int32Array): UniqueRows {
  const count = ids ? ids.length : n;
  const words = new Uint32Array(x.buffer, x.byteOffset, x.length * 2);
  const byHash = new Map<number, number[]>();
  const first: number[] = [];
  const of = new Int32Array(count);
  const sizes: number[] = [];
  for (let r = 0; r < count; r++) {
    const i = ids ? ids[r] : r;
    let h = 0x811c9dc5;
    for (let w = i * 2 * d; w < (i + 1) * 2 * d; w++) h = Math.imul(h ^ words[w], 0x01000193);
    h >>>= 0;
    let bucket = byHash.get(h);
    if (!bucket) byHash.set(h, (bucket = []));
    let u = -1;
    for (const cand of bucket) {
      const j = first[cand];
      let same = true;
      for (let t = 0; t < d && same; t++) same = Object.is(x[i * d + t], x[j * d + t]);
      if (same) {
        u = cand;
        break;
      }
    }
    if (u < 0) {
      u = first.length;
      first.push(i);
      sizes.push(0);
      bucket.push(u);
    }
    sizes[u]++;
    of[r] = u;
  }
  return { rows: gatherRows(x, first, d), size: first.length, count: Int32Array.from(sizes), of };
}

/** Inverted lists searched per ticket outside the working set. */
export const SMOOTHING_PROBES = 3;
const QUERY_CHUNK = 5_000;

/**
 * Smooths the embedding for clustering. `wIdx` (sorted row numbers) is the working set
 * when it is a sample of the rows, null when it is all of them. The working set's rows
 * get their exact neighbours among themselves; every other row gets approximate
 * neighbours from the working set (IVF, SMOOTHING_PROBES lists). Identical rows are
 * searched once. Returns the smoothed working rows and, for a sample, all rows.
 */
export function smoothEmbedding(
  raw: Float64Array,
  n: number,
  d: number,
  wIdx: Int32Array | null,
  m: number,
  seed: number,
  onProgress: (done: number) => void = () => {},
): { working: Float64Array; all: Float64Array } {
  const wn = wIdx ? wIdx.length : n;
  const ws = uniqueRows(raw, d, n, wIdx ?? undefined);
  const graph = exactCosineKnn(ws.rows, ws.size, d, m);
  const wsSmooth = smoothRows(ws.rows, ws.size, d, graph, { m, poolCount: ws.count, selfCount: ws.count });
  const working = new Float64Array(wn * d);
  for (let r = 0; r < wn; r++) working.set(wsSmooth.subarray(ws.of[r] * d, ws.of[r] * d + d), r * d);
  onProgress(wn);
  if (!wIdx) return { working, all: working };

  const all = new Float64Array(n * d);
  const inWs = new Uint8Array(n);
  wIdx.forEach((i, r) => {
    inWs[i] = 1;
    all.set(working.subarray(r * d, r * d + d), i * d);
  });
  const restIds: number[] = [];
  for (let i = 0; i < n; i++) if (!inWs[i]) restIds.push(i);
  const rest = uniqueRows(raw, d, n, Int32Array.from(restIds));
  const index = buildPoolIndex(ws.rows, ws.size, d, seed);
  const restSmooth = new Float64Array(rest.size * d);
  for (let s = 0; s < rest.size; s += QUERY_CHUNK) {
    const e = Math.min(rest.size, s + QUERY_CHUNK);
    const q = rest.rows.subarray(s * d, e * d);
    const g = approximateCosineKnn(q, e - s, index, m, SMOOTHING_PROBES);
    restSmooth.set(smoothRows(q, e - s, d, g, { m, pool: ws.rows, poolCount: ws.count }), s * d);
    onProgress(wn + Math.round(((n - wn) * e) / rest.size));
  }
  restIds.forEach((i, r) => all.set(restSmooth.subarray(rest.of[r] * d, rest.of[r] * d + d), i * d));
  return { working, all };
}
