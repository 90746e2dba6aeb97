// Similarities a tracker needs to match clusters across runs: centroids in one feature
// model's reduced space, or term-space centroids when the runs used different models.
import type { TermWeight } from './types.ts';

/** Cosine of two dense vectors of equal length (0 when either is zero). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError('vectors differ in length (different feature models?)');
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Cosine of two sparse term-space centroids, matched by feature key. */
export function termCosine(a: readonly TermWeight[], b: readonly TermWeight[]): number {
  const wb = new Map(b.map((t) => [t.key, t.weight]));
  let ab = 0;
  for (const t of a) ab += t.weight * (wb.get(t.key) ?? 0);
  const na = Math.sqrt(a.reduce((s, t) => s + t.weight * t.weight, 0));
  const nb = Math.sqrt(b.reduce((s, t) => s + t.weight * t.weight, 0));
  return na > 0 && nb > 0 ? ab / (na * nb) : 0;
}
