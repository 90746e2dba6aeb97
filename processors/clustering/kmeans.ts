// Spherical k-means (cosine geometry: unit-length points, centroids re-normalised after
// each update) with greedy k-means++ seeding and seeded restarts. Written on flat
// Float64Arrays because it runs many times per clustering (restarts, over-clustering,
// refinement); `engine: 'ml-kmeans'` runs the same Lloyd step through ml-kmeans.
import { kmeans as mlKMeans } from 'ml-kmeans';
import { SeededRandom } from './random.ts';

export interface KMeansOptions {
  k: number;
  seed?: number;
  /** Independent k-means++ starts; the lowest objective wins (default 8). */
  restarts?: number;
  /** Lloyd iterations per start (default 100). */
  maxIterations?: number;
  /** Stop when the objective improves by less than this fraction (default 1e-5). */
  tolerance?: number;
  /** Candidates tried per k-means++ step (default 2 + ⌊ln k⌋, as scikit-learn). */
  localTrials?: number;
  /** Extra starting centroids (k × d each) competing with the k-means++ starts. */
  initialCentroids?: readonly Float64Array[];
  /**
   * Who runs the Lloyd iterations: the native loop (default; bounds make it several
   * times faster) or ml-kmeans (Euclidean k-means from the same seeds).
   */
  engine?: 'native' | 'ml-kmeans';
}

export interface KMeansResult {
  k: number;
  assignments: Int32Array;
  /** k × d, row-major, unit length (a zero row for a cluster that ended empty). */
  centroids: Float64Array;
  /** Σ (1 − cos(x, centroid)): lower is tighter. */
  objective: number;
  iterations: number;
}

/** Points are rows of x (n × d, row-major), assumed unit length or zero. */
export function sphericalKMeans(x: Float64Array, n: number, d: number, opts: KMeansOptions): KMeansResult {
  const k = Math.max(1, Math.min(opts.k, n));
  const restarts = Math.max(1, opts.restarts ?? 8);
  const starts: (() => Float64Array)[] = [];
  for (const init of opts.initialCentroids ?? []) if (init.length === k * d) starts.push(() => init.slice());
  for (let r = 0; r < restarts; r++) {
    starts.push(() => kmeansPlusPlus(x, n, d, k, new SeededRandom(opts.seed ?? 0, 1 + r), opts.localTrials));
  }
  let best: KMeansResult | null = null;
  for (const start of starts) {
    const res =
      opts.engine === 'ml-kmeans'
        ? mlKMeansRun(x, n, d, k, start(), opts.maxIterations ?? 100)
        : lloyd(x, n, d, k, start(), opts.maxIterations ?? 100, opts.tolerance ?? 1e-5);
    if (!best || res.objective < best.objective - 1e-9) best = res;
  }
  return best!;
}

/** Lloyd iterations from given centroids (k × d), e.g. to carry a sample's solution to all points. */
export function refineKMeans(
  x: Float64Array,
  n: number,
  d: number,
  centroids: Float64Array,
  k: number,
  opts: { maxIterations?: number; tolerance?: number } = {},
): KMeansResult {
  return lloyd(x, n, d, k, centroids.slice(), opts.maxIterations ?? 100, opts.tolerance ?? 1e-5);
}

/** Greedy k-means++ on cosine distance (1 − cos), the first centre uniform. */
export function kmeansPlusPlus(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  rng: SeededRandom,
  localTrials?: number,
): Float64Array {
  const trials = Math.max(1, localTrials ?? 2 + Math.floor(Math.log(k)));
  const centroids = new Float64Array(k * d);
  const closest = new Float64Array(n);
  const first = rng.int(n);
  centroids.set(x.subarray(first * d, first * d + d), 0);
  let pot = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = Math.max(0, 1 - rowDot(x, i, x, first, d));
    pot += closest[i];
  }
  const cand = new Float64Array(n);
  const bestDist = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestPot = Infinity;
    let bestIdx = -1;
    for (let t = 0; t < trials; t++) {
      const idx = pot > 0 ? sampleProportional(closest, pot, rng) : rng.int(n);
      let candPot = 0;
      for (let i = 0; i < n; i++) {
        const dist = Math.max(0, 1 - rowDot(x, i, x, idx, d));
        const v = dist < closest[i] ? dist : closest[i];
        cand[i] = v;
        candPot += v;
      }
      if (candPot < bestPot) {
        bestPot = candPot;
        bestIdx = idx;
        bestDist.set(cand);
      }
      if (trials === 1) break;
    }
    centroids.set(x.subarray(bestIdx * d, bestIdx * d + d), c * d);
    closest.set(bestDist);
    pot = bestPot;
  }
  return centroids;
}

function sampleProportional(w: Float64Array, total: number, rng: SeededRandom): number {
  let target = rng.next() * total;
  for (let i = 0; i < w.length; i++) {
    target -= w[i];
    if (target < 0) return i;
  }
  for (let i = w.length - 1; i >= 0; i--) if (w[i] > 0) return i;
  return w.length - 1;
}

function rowDot(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  const ao = i * d;
  const bo = j * d;
  for (let t = 0; t < d; t++) s += a[ao + t] * b[bo + t];
  return s;
}

/** Centroid j = normalised sum of its points; returns member counts. */
export function updateCentroids(
  x: Float64Array,
  n: number,
  d: number,
  assignments: Int32Array,
  k: number,
  centroids: Float64Array,
): Int32Array {
  centroids.fill(0);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const j = assignments[i];
    counts[j]++;
    const xo = i * d;
    const co = j * d;
    for (let t = 0; t < d; t++) centroids[co + t] += x[xo + t];
  }
  for (let j = 0; j < k; j++) normaliseRow(centroids, j, d);
  return counts;
}

/** Rows `idx` of the row-major n × d matrix x, in that order, as a new matrix. */
export function gatherRows(x: Float64Array, idx: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) out.set(x.subarray(idx[r] * d, idx[r] * d + d), r * d);
  return out;
}

export function normaliseRow(m: Float64Array, j: number, d: number): void {
  const o = j * d;
  let s = 0;
  for (let t = 0; t < d; t++) s += m[o + t] * m[o + t];
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let t = 0; t < d; t++) m[o + t] *= inv;
  }
}

/**
 * Lloyd iterations with Elkan's bounds (2003): on unit vectors the Euclidean distance
 * √(2 − 2 cos) orders centroids exactly as cosine does and obeys the triangle
 * inequality, so per point an upper bound to its own centroid and a lower bound to every
 * other one let most similarity computations be skipped once centroids settle. Per-pair
 * bounds are needed here: in a few hundred dimensions the nearest and second-nearest
 * centroids are almost equally far, and a single lower bound (Hamerly) skips little.
 */
function lloyd(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  centroids: Float64Array,
  maxIterations: number,
  tolerance: number,
): KMeansResult {
  const assignments = new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float32Array(n * k);
  const old = new Float64Array(k * d);
  const moved = new Float64Array(k);
  const cc = new Float64Array(k * k);
  const half = new Float64Array(k);
  let it = 0;
  let prevObjective = Infinity;
  const initAll = (): void => {
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      let bj = 0;
      for (let j = 0; j < k; j++) {
        const dist = distance(rowDot(x, i, centroids, j, d));
        lower[i * k + j] = dist;
        if (dist < best) {
          best = dist;
          bj = j;
        }
      }
      assignments[i] = bj;
      upper[i] = best;
    }
  };
  initAll();
  while (it < maxIterations) {
    it++;
    old.set(centroids);
    const counts = updateCentroids(x, n, d, assignments, k, centroids);
    if (reseedEmpty(x, n, d, k, centroids, counts, assignments, upper)) {
      // Bounds no longer hold after a reseed: recompute everything once.
      initAll();
      continue;
    }
    let anyMoved = false;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = centroids[j * d + t] - old[j * d + t];
        s += diff * diff;
      }
      moved[j] = Math.sqrt(s);
      if (moved[j] > 0) anyMoved = true;
    }
    if (!anyMoved) break;
    for (let i = 0; i < n; i++) {
      upper[i] += moved[assignments[i]];
      const lo = i * k;
      for (let j = 0; j < k; j++) {
        // The margin keeps float32 rounding from ever overstating a lower bound.
        const v = lower[lo + j] - moved[j] - 1e-6;
        lower[lo + j] = v > 0 ? v : 0;
      }
    }
    centroidGaps(centroids, k, d, cc, half);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let a = assignments[i];
      if (upper[i] <= half[a]) continue;
      let tight = false;
      const lo = i * k;
      for (let j = 0; j < k; j++) {
        if (j === a) continue;
        const bound = Math.max(lower[lo + j], cc[a * k + j] / 2);
        if (upper[i] <= bound) continue;
        if (!tight) {
          upper[i] = distance(rowDot(x, i, centroids, a, d));
          lower[lo + a] = upper[i];
          tight = true;
          if (upper[i] <= bound) continue;
        }
        const dist = distance(rowDot(x, i, centroids, j, d));
        lower[lo + j] = dist;
        if (dist < upper[i]) {
          a = j;
          upper[i] = dist;
        }
      }
      if (a !== assignments[i]) {
        assignments[i] = a;
        changed++;
      }
    }
    if (changed === 0) break;
    // Long tails of a few reassignments barely move the objective.
    if (tolerance > 0 && it % 5 === 0) {
      const obj = objectiveOf(x, n, d, centroids, assignments);
      if (Number.isFinite(prevObjective) && prevObjective - obj <= tolerance * prevObjective) break;
      prevObjective = obj;
    }
  }
  updateCentroids(x, n, d, assignments, k, centroids);
  return { k, assignments, centroids, objective: objectiveOf(x, n, d, centroids, assignments), iterations: it };
}

function objectiveOf(x: Float64Array, n: number, d: number, centroids: Float64Array, assignments: Int32Array): number {
  let obj = 0;
  for (let i = 0; i < n; i++) obj += 1 - rowDot(x, i, centroids, assignments[i], d);
  return obj;
}

const distance = (cos: number): number => Math.sqrt(Math.max(0, 2 - 2 * cos));

/** Pairwise centroid distances, and half the distance to each one's nearest other. */
function centroidGaps(centroids: Float64Array, k: number, d: number, cc: Float64Array, half: Float64Array): void {
  half.fill(Infinity);
  for (let a = 0; a < k; a++) {
    cc[a * k + a] = 0;
    for (let b = a + 1; b < k; b++) {
      const g = distance(rowDot(centroids, a, centroids, b, d));
      cc[a * k + b] = g;
      cc[b * k + a] = g;
      if (g / 2 < half[a]) half[a] = g / 2;
      if (g / 2 < half[b]) half[b] = g / 2;
    }
  }
}

/**
 * An empty cluster restarts at the point that fits its own centroid worst (largest
 * distance bound). Returns whether any cluster was reseeded.
 */
function reseedEmpty(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  centroids: Float64Array,
  counts: Int32Array,
  assignments: Int32Array,
  upper: Float64Array,
): boolean {
  let any = false;
  for (let j = 0; j < k; j++) {
    if (counts[j] > 0) continue;
    let worst = -1;
    let worstDist = -1;
    for (let i = 0; i < n; i++) {
      if (counts[assignments[i]] > 1 && upper[i] > worstDist) {
        worstDist = upper[i];
        worst = i;
      }
    }
    if (worst < 0) break;
    counts[assignments[worst]]--;
    counts[j] = 1;
    assignments[worst] = j;
    upper[worst] = 0;
    centroids.set(x.subarray(worst * d, worst * d + d), j * d);
    any = true;
  }
  return any;
}

/**
 * The Lloyd iterations run by ml-kmeans (Euclidean k-means, mean centroids) from the
 * given start; the centroids are re-normalised afterwards so that the result lives in
 * the same cosine geometry as the native one.
 */
function mlKMeansRun(x: Float64Array, n: number, d: number, k: number, init: Float64Array, maxIterations: number): KMeansResult {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(x.subarray(i * d, i * d + d)));
  const start: number[][] = [];
  for (let j = 0; j < k; j++) start.push(Array.from(init.subarray(j * d, j * d + d)));
  const res = mlKMeans(rows, k, { initialization: start, maxIterations, tolerance: 1e-9 });
  const assignments = Int32Array.from(res.clusters);
  const centroids = new Float64Array(k * d);
  updateCentroids(x, n, d, assignments, k, centroids);
  return { k, assignments, centroids, objective: objectiveOf(x, n, d, centroids, assignments), iterations: res.iterations };
}
