// Choosing k without labels: over-cluster once, merge clusters bottom-up in the order
// that costs the k-means objective least, and take the level whose partition has the
// highest silhouette. Both steps are cheap because of one identity: for unit vectors the
// mean cosine similarity of x to a cluster is x · (sum of the cluster) / size, so the
// silhouette of any union of the over-clusters follows from the n × kMax matrix of
// x · (over-cluster sums), with no pairwise distances at all.

export interface SilhouettePoint {
  k: number;
  silhouette: number;
}

export interface MergePath {
  /** Silhouette at every level from kMax down to kMin. */
  curve: SilhouettePoint[];
  /** For the requested level: over-cluster → merged cluster (0 … k−1). */
  groupsAt(k: number): Int32Array;
}

/**
 * Exact mean silhouette with cosine distance of a partition of unit-length rows, in
 * O(n·k·d). Singletons count 0, as in scikit-learn.
 */
export function exactCosineSilhouette(x: Float64Array, n: number, d: number, assignments: ArrayLike<number>, k: number): number {
  const sums = new Float64Array(k * d);
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = assignments[i];
    sizes[c]++;
    for (let t = 0; t < d; t++) sums[c * d + t] += x[i * d + t];
  }
  let total = 0;
  const sims = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += x[i * d + t] * sums[c * d + t];
      sims[c] = s;
    }
    total += pointSilhouette(sims, 0, sizes, k, assignments[i], selfDot(x, i, d), null);
  }
  return n > 0 ? total / n : 0;
}

function selfDot(x: Float64Array, i: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) s += x[i * d + t] * x[i * d + t];
  return s;
}

/** s(i) from the point's summed similarity to every cluster. `active` limits the clusters considered. */
function pointSilhouette(
  sims: Float64Array,
  offset: number,
  sizes: ArrayLike<number>,
  k: number,
  own: number,
  self: number,
  active: ArrayLike<number> | null,
): number {
  if (sizes[own] <= 1) return 0;
  const a = 1 - (sims[offset + own] - self) / (sizes[own] - 1);
  let b = Infinity;
  const count = active ? active.length : k;
  for (let q = 0; q < count; q++) {
    const c = active ? active[q] : q;
    if (c === own || sizes[c] === 0) continue;
    const dist = 1 - sims[offset + c] / sizes[c];
    if (dist < b) b = dist;
  }
  if (!Number.isFinite(b)) return 0;
  const m = Math.max(a, b);
  return m > 0 ? (b - a) / m : 0;
}

/**
 * Merges the over-clusters of `assignments` (kMax of them) pairwise, always the pair
 * whose union raises Σ(1 − cos) least — ‖Sa‖ + ‖Sb‖ − ‖Sa + Sb‖ for cluster sums S —
 * and records the silhouette of every level down to kMin.
 */
export function mergePath(
  x: Float64Array,
  n: number,
  d: number,
  assignments: Int32Array,
  kMax: number,
  kMin: number,
): MergePath {
  const sums = new Float64Array(kMax * d);
  const sizes = new Float64Array(kMax);
  for (let i = 0; i < n; i++) {
    const c = assignments[i];
    sizes[c]++;
    for (let t = 0; t < d; t++) sums[c * d + t] += x[i * d + t];
  }
  // p[i, c] = x_i · S_c, kept per current cluster id (a merge adds b's column into a's).
  const p = new Float64Array(n * kMax);
  const self = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    self[i] = selfDot(x, i, d);
    for (let c = 0; c < kMax; c++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += x[i * d + t] * sums[c * d + t];
      p[i * kMax + c] = s;
    }
  }
  const gram = new Float64Array(kMax * kMax);
  for (let a = 0; a < kMax; a++) {
    for (let b = a; b < kMax; b++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += sums[a * d + t] * sums[b * d + t];
      gram[a * kMax + b] = s;
      gram[b * kMax + a] = s;
    }
  }
  const alive: number[] = [];
  for (let c = 0; c < kMax; c++) if (sizes[c] > 0) alive.push(c);
  const initial = alive.slice();
  const merges: [number, number][] = [];
  const curve: SilhouettePoint[] = [];
  const own = new Int32Array(n);
  for (let i = 0; i < n; i++) own[i] = assignments[i];
  const record = (): void => {
    let total = 0;
    const activeIds = Int32Array.from(alive);
    for (let i = 0; i < n; i++) {
      total += pointSilhouette(p, i * kMax, sizes, kMax, own[i], self[i], activeIds);
    }
    curve.push({ k: alive.length, silhouette: n > 0 ? total / n : 0 });
  };
  if (alive.length <= kMax && alive.length >= kMin) record();
  const norm = (c: number): number => Math.sqrt(Math.max(0, gram[c * kMax + c]));
  while (alive.length > Math.max(1, kMin)) {
    let best = Infinity;
    let ba = -1;
    let bb = -1;
    for (let u = 0; u < alive.length; u++) {
      const a = alive[u];
      const na = norm(a);
      for (let v = u + 1; v < alive.length; v++) {
        const b = alive[v];
        const merged = Math.sqrt(Math.max(0, gram[a * kMax + a] + gram[b * kMax + b] + 2 * gram[a * kMax + b]));
        const cost = na + norm(b) - merged;
        if (cost < best) {
          best = cost;
          ba = a;
          bb = b;
        }
      }
    }
    // Merge bb into ba.
    merges.push([ba, bb]);
    sizes[ba] += sizes[bb];
    sizes[bb] = 0;
    for (const c of alive) {
      gram[ba * kMax + c] += gram[bb * kMax + c];
      gram[c * kMax + ba] = gram[ba * kMax + c];
    }
    gram[ba * kMax + ba] += gram[bb * kMax + ba];
    for (let i = 0; i < n; i++) {
      p[i * kMax + ba] += p[i * kMax + bb];
      if (own[i] === bb) own[i] = ba;
    }
    alive.splice(alive.indexOf(bb), 1);
    record();
  }
  return {
    curve,
    groupsAt(k: number): Int32Array {
      // Replay merges until k clusters remain, then number the survivors 0 … k−1.
      const root = Int32Array.from({ length: kMax }, (_, i) => i);
      let count = initial.length;
      const find = (c: number): number => (root[c] === c ? c : (root[c] = find(root[c])));
      for (const [a, b] of merges) {
        if (count <= k) break;
        root[find(b)] = find(a);
        count--;
      }
      const ids = new Map<number, number>();
      const out = new Int32Array(kMax).fill(-1);
      for (const c of initial) {
        const r = find(c);
        if (!ids.has(r)) ids.set(r, ids.size);
        out[c] = ids.get(r)!;
      }
      return out;
    },
  };
}
