// External clustering scores against known labels: normalised mutual information
// (arithmetic-mean normalisation, scikit-learn's default) and the adjusted Rand index.
// Both are invariant to how clusters and classes are named.

interface Contingency {
  n: number;
  /** Counts per (label, cluster) pair, keyed `${a}\u0000${b}`. */
  cells: Map<string, number>;
  rowSums: Map<string, number>;
  colSums: Map<string, number>;
}

function contingency(labels: ArrayLike<unknown>, clusters: ArrayLike<unknown>): Contingency {
  if (labels.length !== clusters.length) throw new RangeError('labels and clusters differ in length');
  const cells = new Map<string, number>();
  const rowSums = new Map<string, number>();
  const colSums = new Map<string, number>();
  for (let i = 0; i < labels.length; i++) {
    const a = String(labels[i]);
    const b = String(clusters[i]);
    const key = `${a}\u0000${b}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
    rowSums.set(a, (rowSums.get(a) ?? 0) + 1);
    colSums.set(b, (colSums.get(b) ?? 0) + 1);
  }
  return { n: labels.length, cells, rowSums, colSums };
}

function entropy(counts: Iterable<number>, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/**
 * NMI = I(U; V) / ((H(U) + H(V)) / 2). Two single-cluster partitions (both entropies 0)
 * are identical and score 1, as in scikit-learn.
 */
export function normalizedMutualInfo(labels: ArrayLike<unknown>, clusters: ArrayLike<unknown>): number {
  const t = contingency(labels, clusters);
  if (t.n === 0) return 1;
  const hu = entropy(t.rowSums.values(), t.n);
  const hv = entropy(t.colSums.values(), t.n);
  if (hu === 0 && hv === 0) return 1;
  let mi = 0;
  for (const [key, nij] of t.cells) {
    const [a, b] = key.split('\u0000');
    mi += (nij / t.n) * Math.log((t.n * nij) / (t.rowSums.get(a)! * t.colSums.get(b)!));
  }
  const denom = (hu + hv) / 2;
  return denom > 0 ? Math.max(0, Math.min(1, mi / denom)) : 0;
}

const pairs = (x: number): number => (x * (x - 1)) / 2;

/** Hubert & Arabie's adjusted Rand index: 1 for identical partitions, ≈ 0 for chance. */
export function adjustedRandIndex(labels: ArrayLike<unknown>, clusters: ArrayLike<unknown>): number {
  const t = contingency(labels, clusters);
  let sumCells = 0;
  for (const c of t.cells.values()) sumCells += pairs(c);
  let sumRows = 0;
  for (const c of t.rowSums.values()) sumRows += pairs(c);
  let sumCols = 0;
  for (const c of t.colSums.values()) sumCols += pairs(c);
  const total = pairs(t.n);
  const expected = total > 0 ? (sumRows * sumCols) / total : 0;
  const max = (sumRows + sumCols) / 2;
  // Both partitions trivial in the same way (all singletons, or one block): identical.
  if (max === expected) return 1;
  return (sumCells - expected) / (max - expected);
}
