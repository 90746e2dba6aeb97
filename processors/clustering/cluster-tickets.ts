// clusterTickets: texts → feature space → k (given, or chosen by silhouette along the
// merge path of an over-clustering) → spherical k-means with restarts → labelled,
// profiled clusters. Selection and restarts run on a working sample; the winning
// centroids are then refined on every ticket, which keeps 100k tickets within a minute.
import { FeatureModel, maskAttributeValues, type CsrMatrix } from './features/index.ts';
import { csrSelectRows } from './features/sparse.ts';
import { gatherRows, normaliseRow, refineKMeans, sphericalKMeans, type KMeansResult } from './kmeans.ts';
import { labelClusters } from './labels.ts';
import { profileClusters } from './profiles.ts';
import { SeededRandom } from './random.ts';
import { exactCosineSilhouette, mergePath } from './select-k.ts';
import { DEFAULT_SMOOTHING_NEIGHBOURS, smoothEmbedding } from './smoothing.ts';
import type {
  ClusterOptions,
  ClusteringProgress,
  ClusteringResult,
  ClusteringStage,
  KSelection,
  TermWeight,
  TicketCluster,
  TicketText,
} from './types.ts';

export const DEFAULT_WORKING_SET = 10_000;
export const DEFAULT_RESTARTS = 3;
/** Over-clustering granularity: about ten tickets per cluster, at most this many clusters. */
export const MAX_OVERCLUSTER_K = 300;
/**
 * Parsimony on the silhouette curve: the smallest k within this fraction of the best
 * silhouette wins. The curve is flat near its top (many nearly equally good
 * granularities); without it the choice drifts towards the over-clustering.
 */
export const SILHOUETTE_TOLERANCE = 0.02;
/** Attribute values masked in each ticket's own text before featurising. */
export const DEFAULT_MASKED_ATTRIBUTES: readonly string[] = ['product'];
const CHUNK = 5_000;
const REFINE_ITERATIONS = 15;
const TERM_CENTROID_TERMS = 20;
/** Smoothing neighbours are capped at ⌊n / this⌋ (see clusterTickets). */
const SMOOTHING_MAX_SHARE_INVERSE = 10;

export function clusterTickets(tickets: readonly TicketText[], opts: ClusterOptions = {}): ClusteringResult {
  const t0 = performance.now();
  const seed = opts.seed ?? 1;
  const progress = (stage: ClusteringStage, done: number, total: number): void => opts.onProgress?.({ stage, done, total } satisfies ClusteringProgress);
  const maskKeys = opts.maskAttributes ?? DEFAULT_MASKED_ATTRIBUTES;
  const texts = tickets.map((t) => {
    const text = t.text ?? '';
    if (!maskKeys.length || !t.attributes) return text;
    return maskAttributeValues(text, maskKeys.map((key) => t.attributes?.[key] ?? ''));
  });
  const n = texts.length;
  if (opts.k !== undefined && (!Number.isInteger(opts.k) || opts.k < 1)) throw new RangeError('k must be a positive integer');

  // Features.
  progress('fit', 0, 1);
  const model = opts.featureModel ?? FeatureModel.fit(texts, { seed, ...opts.features });
  progress('fit', 1, 1);
  progress('features', 0, n);
  const tfidf = transformChunked(model, texts, (done) => progress('features', done, n));
  const emb = model.embed(tfidf);
  const d = emb.dims;
  const raw = emb.vectors;
  const t1 = performance.now();

  if (n === 0 || d === 0) {
    return emptyOrSingle(tickets, texts, model, raw, d, n, t0, t1);
  }

  // Working set.
  const wsSize = Math.max(1, opts.workingSetSize ?? DEFAULT_WORKING_SET);
  const wIdx = n > wsSize ? Int32Array.from(new SeededRandom(seed, 0x3a5).sample(n, wsSize)).sort() : null;
  const wn = wIdx ? wIdx.length : n;

  // Neighbourhood smoothing: exact kNN within the working set, the rest against it. A
  // neighbourhood is at most a tenth of the tickets, so a handful of tickets is not
  // averaged into one blur (fewer than 20 tickets: no smoothing).
  const requested = opts.smoothingNeighbours ?? DEFAULT_SMOOTHING_NEIGHBOURS;
  if (!Number.isInteger(requested) || requested < 0) throw new RangeError('smoothingNeighbours must be a non-negative integer');
  const neighbours = Math.min(requested, Math.floor(wn / SMOOTHING_MAX_SHARE_INVERSE));
  let x = raw;
  let wx: Float64Array;
  if (neighbours > 0) {
    progress('smooth', 0, n);
    ({ working: wx, all: x } = smoothEmbedding(raw, n, d, wIdx, neighbours, seed, (done) => progress('smooth', done, n)));
    progress('smooth', n, n);
  } else wx = wIdx ? gatherRows(raw, wIdx, d) : raw;
  const t1s = neighbours > 0 ? performance.now() : t1;
  const distinct = countDistinctRows(wx, wn, d, 1000);

  // k.
  progress('select-k', 0, 1);
  let k: number;
  const inits: Float64Array[] = [];
  const selection: KSelection = { method: 'fixed', curve: [], silhouette: 0 };
  if (opts.k !== undefined) {
    k = Math.min(opts.k, wn);
  } else {
    const kMin = Math.max(1, opts.kMin ?? 2);
    const kMax = Math.min(opts.kMax ?? defaultKMax(wn), distinct, wn);
    if (kMax <= kMin) {
      k = Math.max(1, Math.min(kMin, distinct));
    } else {
      // Over-clusters only feed the merge path: one plain k-means++ start, a bounded number of iterations.
      const over = sphericalKMeans(wx, wn, d, { k: kMax, seed, restarts: 1, localTrials: 1, maxIterations: 30 });
      const path = mergePath(wx, wn, d, over.assignments, kMax, kMin);
      const best = Math.max(...path.curve.map((p) => p.silhouette));
      const ok = path.curve.filter((p) => p.silhouette >= best - SILHOUETTE_TOLERANCE * Math.abs(best));
      k = Math.min(...ok.map((p) => p.k));
      inits.push(mergedCentroids(wx, wn, d, over.assignments, path.groupsAt(k), k));
      selection.method = 'silhouette';
      selection.kMax = kMax;
      selection.curve = path.curve;
    }
  }
  const t2 = performance.now();
  progress('select-k', 1, 1);

  // Final k-means on the working set, then on everything.
  progress('kmeans', 0, 1);
  let result: KMeansResult = sphericalKMeans(wx, wn, d, {
    k,
    seed,
    restarts: opts.restarts ?? DEFAULT_RESTARTS,
    initialCentroids: inits,
    engine: opts.engine,
  });
  selection.silhouette = k > 1 ? exactCosineSilhouette(wx, wn, d, result.assignments, k) : 0;
  const t3 = performance.now();
  progress('kmeans', 1, 1);
  if (wIdx) {
    progress('refine', 0, 1);
    // The working-set centroids are already close: a bounded number of passes suffices.
    result = refineKMeans(x, n, d, result.centroids, k, { maxIterations: REFINE_ITERATIONS });
    progress('refine', 1, 1);
  }
  const t4 = performance.now();

  // Describe.
  progress('describe', 0, 1);
  const { assignments, order } = renumberBySize(result.assignments, k);
  const centroids = new Float64Array(k * d);
  order.forEach((oldId, newId) => centroids.set(result.centroids.subarray(oldId * d, oldId * d + d), newId * d));
  const clusters = describe(tickets, texts, model, tfidf, x, d, assignments, centroids, k, opts);
  const t5 = performance.now();
  progress('describe', 1, 1);
  return {
    k,
    clusters,
    assignments,
    featureModel: model,
    selection,
    timings: {
      featuresMs: t1 - t0,
      smoothMs: t1s - t1,
      selectMs: t2 - t1s,
      kmeansMs: t3 - t2,
      refineMs: t4 - t3,
      describeMs: t5 - t4,
      totalMs: t5 - t0,
    },
  };
}

/** About ten tickets per over-cluster, at most 300; small inputs may go down to three per cluster (up to 10 clusters). */
export function defaultKMax(n: number): number {
  return Math.min(MAX_OVERCLUSTER_K, Math.max(Math.floor(n / 10), Math.min(Math.floor(n / 3), 10)));
}

function transformChunked(model: FeatureModel, texts: readonly string[], onChunk: (done: number) => void): CsrMatrix {
  if (texts.length <= CHUNK) {
    const m = model.tfidf(texts);
    onChunk(texts.length);
    return m;
  }
  const parts: CsrMatrix[] = [];
  for (let s = 0; s < texts.length; s += CHUNK) {
    parts.push(model.tfidf(texts.slice(s, s + CHUNK)));
    onChunk(Math.min(texts.length, s + CHUNK));
  }
  return concatRows(parts);
}

function concatRows(parts: CsrMatrix[]): CsrMatrix {
  const rows = parts.reduce((s, p) => s + p.rows, 0);
  const nnz = parts.reduce((s, p) => s + p.indices.length, 0);
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  let r = 0;
  let off = 0;
  for (const p of parts) {
    for (let i = 0; i < p.rows; i++) indptr[r + i + 1] = off + p.indptr[i + 1];
    indices.set(p.indices, off);
    data.set(p.data, off);
    r += p.rows;
    off += p.indices.length;
  }
  return { rows, cols: parts[0]?.cols ?? 0, indptr, indices, data };
}

/** Distinct rows, counted up to `cap` (more than that never limits k here). */
function countDistinctRows(x: Float64Array, n: number, d: number, cap: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < n && seen.size < cap; i++) {
    let key = '';
    for (let t = 0; t < Math.min(d, 8); t++) key += x[i * d + t].toFixed(6) + ',';
    seen.add(key);
  }
  return seen.size >= cap ? Number.MAX_SAFE_INTEGER : seen.size;
}

function mergedCentroids(x: Float64Array, n: number, d: number, over: Int32Array, groups: Int32Array, k: number): Float64Array {
  const c = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    const g = groups[over[i]];
    if (g < 0) continue;
    for (let t = 0; t < d; t++) c[g * d + t] += x[i * d + t];
  }
  for (let j = 0; j < k; j++) normaliseRow(c, j, d);
  return c;
}

/** Cluster ids by decreasing size (ties by smallest first member), so ids are stable for a given input. */
function renumberBySize(assignments: Int32Array, k: number): { assignments: Int32Array; order: number[] } {
  const size = new Int32Array(k);
  const first = new Int32Array(k).fill(-1);
  assignments.forEach((c, i) => {
    size[c]++;
    if (first[c] < 0) first[c] = i;
  });
  const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => size[b] - size[a] || first[a] - first[b]);
  const newId = new Int32Array(k);
  order.forEach((oldId, id) => (newId[oldId] = id));
  return { assignments: assignments.map((c) => newId[c]), order };
}

function describe(
  tickets: readonly TicketText[],
  texts: readonly string[],
  model: FeatureModel,
  tfidf: CsrMatrix,
  x: Float64Array,
  d: number,
  assignments: Int32Array,
  centroids: Float64Array,
  k: number,
  opts: ClusterOptions,
): TicketCluster[] {
  const labels = labelClusters(model.vectoriser, tfidf, texts, assignments, k, opts.labels);
  const profiles = profileClusters(tickets.map((t) => t.attributes), assignments, k, opts.profiles);
  const members: number[][] = Array.from({ length: k }, () => []);
  assignments.forEach((c, i) => members[c].push(i));
  return members.map((rows, id) => {
    let cohesion = 0;
    for (const i of rows) {
      let s = 0;
      for (let t = 0; t < d; t++) s += x[i * d + t] * centroids[id * d + t];
      cohesion += s;
    }
    return {
      id,
      size: rows.length,
      memberIds: rows.map((i) => tickets[i].id),
      centroid: centroids.slice(id * d, id * d + d),
      cohesion: rows.length ? cohesion / rows.length : 0,
      label: labels[id].label,
      topTerms: labels[id].topTerms,
      language: labels[id].language,
      termCentroid: termCentroid(model, csrSelectRows(tfidf, rows)),
      profile: profiles[id].profile,
      concentration: profiles[id].concentration,
    };
  });
}

/** Mean TF-IDF over the members' word-block terms, top terms only, unit length. */
function termCentroid(model: FeatureModel, rows: CsrMatrix): TermWeight[] {
  const v = model.vectoriser;
  const sums = new Map<number, number>();
  for (let p = 0; p < rows.indices.length; p++) {
    const j = rows.indices[p];
    if (j < v.wordColumns) sums.set(j, (sums.get(j) ?? 0) + rows.data[p]);
  }
  const top = [...sums].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, TERM_CENTROID_TERMS);
  const norm = Math.sqrt(top.reduce((s, [, w]) => s + w * w, 0)) || 1;
  return top.map(([j, w]) => ({ key: v.terms[j], term: v.displays[j], weight: w / norm }));
}

function emptyOrSingle(
  tickets: readonly TicketText[],
  texts: readonly string[],
  model: FeatureModel,
  x: Float64Array,
  d: number,
  n: number,
  t0: number,
  t1: number,
): ClusteringResult {
  const now = performance.now();
  const timings = { featuresMs: t1 - t0, smoothMs: 0, selectMs: 0, kmeansMs: 0, refineMs: 0, describeMs: now - t1, totalMs: now - t0 };
  const selection: KSelection = { method: 'fixed', curve: [], silhouette: 0 };
  if (n === 0) return { k: 0, clusters: [], assignments: new Int32Array(0), featureModel: model, selection, timings };
  // Texts without a single known term: one cluster, nothing to tell them apart.
  const assignments = new Int32Array(n);
  const tfidf = model.tfidf(texts);
  const clusters = describe(tickets, texts, model, tfidf, x, d, assignments, new Float64Array(d), 1, {});
  return { k: 1, clusters, assignments, featureModel: model, selection, timings };
}
