// Randomized truncated SVD of a sparse matrix (Halko, Martinsson & Tropp 2011, range
// finder with power iterations). Only the n side is ever orthonormalised: n is the
// number of reference texts, usually far smaller than the vocabulary, and in double
// precision a handful of power iterations do not lose the small directions.
//
// The result is kept as Bᵀ = AᵀQ (vocabulary × l) and P = W Σ⁻¹ (l × dims): V = Bᵀ P are
// the top right singular vectors, formed by rightSingularVectors() when needed.
import { csrTimesDense, csrTransposeTimesDense, type CsrMatrix } from './sparse.ts';
import { orthonormaliseRows, rowsGram, symmetricEigen } from './linalg.ts';
import { SeededRandom } from '../random.ts';

export interface SvdOptions {
  dims: number;
  /** Extra random directions beyond dims (default 20). */
  oversample?: number;
  /** Power iterations (default 2). */
  powerIterations?: number;
  seed?: number;
}

export interface SvdProjection {
  /** Output dimensions actually kept (≤ requested: limited by the rank of A). */
  dims: number;
  /** Width of the sketch. */
  sketch: number;
  /** Bᵀ = AᵀQ, row-major (columns of A × sketch). */
  bt: Float64Array;
  /** P = W Σ⁻¹, row-major (sketch × dims). */
  p: Float64Array;
  singularValues: Float64Array;
}

export function randomizedSvd(a: CsrMatrix, opts: SvdOptions): SvdProjection {
  const n = a.rows;
  const m = a.cols;
  const rng = new SeededRandom(opts.seed ?? 0, 0x5fd);
  const l = Math.max(1, Math.min(opts.dims + (opts.oversample ?? 20), n, m));
  const omega = new Float64Array(m * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();

  const q = csrTimesDense(a, omega, l);
  const iterations = opts.powerIterations ?? 2;
  orthonormaliseRows(q, n, l, iterations > 0 ? 1 : 2);
  const z = new Float64Array(m * l);
  for (let it = 0; it < iterations; it++) {
    csrTransposeTimesDense(a, q, l, z);
    csrTimesDense(a, z, l, q);
    orthonormaliseRows(q, n, l, it === iterations - 1 ? 2 : 1);
  }
  const bt = csrTransposeTimesDense(a, q, l, z);
  // G = B Bᵀ = Qᵀ (A Bᵀ): an l × l matrix whose eigenvectors rotate Q onto the left
  // singular vectors and whose eigenvalues are the squared singular values.
  const g = rowsGram(q, csrTimesDense(a, bt, l), n, l);
  for (let i = 0; i < l; i++) {
    for (let j = i + 1; j < l; j++) {
      const s = (g[i * l + j] + g[j * l + i]) / 2;
      g[i * l + j] = s;
      g[j * l + i] = s;
    }
  }
  const { values, vectors } = symmetricEigen(g, l);
  const top = values[0] > 0 ? values[0] : 0;
  let dims = 0;
  while (dims < Math.min(opts.dims, l) && values[dims] > 1e-12 * top && values[dims] > 0) dims++;
  const sv = new Float64Array(dims);
  // B = W Σ Vᵀ, so Bᵀ W = V Σ and P = W Σ⁻¹ maps x Bᵀ onto x V.
  const p = new Float64Array(l * dims);
  for (let k = 0; k < dims; k++) {
    sv[k] = Math.sqrt(values[k]);
    const inv = 1 / sv[k];
    for (let r = 0; r < l; r++) p[r * dims + k] = vectors[r * l + k] * inv;
  }
  return { dims, sketch: l, bt, p, singularValues: sv };
}

/**
 * V = Bᵀ P (columns of A × dims, row-major): the top right singular vectors themselves,
 * worth forming once when many rows will be projected (each row then costs nnz × dims
 * instead of nnz × sketch + sketch × dims).
 */
export function rightSingularVectors(proj: SvdProjection): Float64Array {
  const l = proj.sketch;
  const d = proj.dims;
  const m = proj.bt.length / l;
  const v = new Float64Array(m * d);
  for (let j = 0; j < m; j++) {
    for (let r = 0; r < l; r++) {
      const b = proj.bt[j * l + r];
      if (b === 0) continue;
      for (let k = 0; k < d; k++) v[j * d + k] += b * proj.p[r * d + k];
    }
  }
  return v;
}
