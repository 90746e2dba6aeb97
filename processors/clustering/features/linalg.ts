// The little dense linear algebra the randomized SVD needs, on flat Float64Arrays.
// Blocks of vectors are stored column by column ("panels": vector j is
// v[j*n .. (j+1)*n)), which keeps every inner loop contiguous.

/**
 * Orthonormalises the panel's vectors in place (modified Gram–Schmidt, run twice for
 * numerical safety). A vector that is (numerically) in the span of the earlier ones
 * becomes zero; returns how many vectors are non-zero.
 */
export function orthonormalise(panel: Float64Array, n: number, count: number): number {
  let rank = 0;
  for (let j = 0; j < count; j++) {
    const vj = panel.subarray(j * n, (j + 1) * n);
    const before = Math.sqrt(dot(vj, vj, n));
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const vi = panel.subarray(i * n, (i + 1) * n);
        const r = dot(vi, vj, n);
        if (r !== 0) for (let t = 0; t < n; t++) vj[t] -= r * vi[t];
      }
    }
    const after = Math.sqrt(dot(vj, vj, n));
    if (after > 1e-10 * Math.max(before, 1e-300) && after > 1e-300) {
      const s = 1 / after;
      for (let t = 0; t < n; t++) vj[t] *= s;
      rank++;
    } else vj.fill(0);
  }
  return rank;
}

/**
 * Orthonormalises the columns of a row-major n × l matrix in place by Cholesky QR, twice
 * (CholeskyQR2): the work is two sweeps over contiguous rows. One pass leaves errors of
 * the order of cond² · ε, fine between power iterations; the second makes the result
 * orthonormal to machine precision. Falls back to Gram–Schmidt when the columns are
 * (nearly) dependent, where Cholesky breaks down.
 */
export function orthonormaliseRows(y: Float64Array, n: number, l: number, passes = 2): void {
  for (let pass = 0; pass < passes; pass++) {
    const g = new Float64Array(l * l);
    for (let i = 0; i < n; i++) {
      const o = i * l;
      for (let a = 0; a < l; a++) {
        const v = y[o + a];
        if (v === 0) continue;
        const go = a * l;
        for (let b = a; b < l; b++) g[go + b] += v * y[o + b];
      }
    }
    const r = choleskyUpper(g, l);
    if (!r) {
      const p = rowsToPanel(y, n, l);
      orthonormalise(p, n, l);
      y.set(panelToRows(p, n, l));
      return;
    }
    // q = y R⁻¹ row by row, with R⁻¹ formed once so that every inner loop is contiguous.
    const rinv = upperInverse(r, l);
    const q = new Float64Array(l);
    for (let i = 0; i < n; i++) {
      const o = i * l;
      q.fill(0);
      for (let a = 0; a < l; a++) {
        const v = y[o + a];
        if (v === 0) continue;
        const ro = a * l;
        for (let b = a; b < l; b++) q[b] += v * rinv[ro + b];
      }
      for (let b = 0; b < l; b++) y[o + b] = q[b];
    }
  }
}

/** Inverse of an upper-triangular matrix (itself upper-triangular). */
function upperInverse(r: Float64Array, l: number): Float64Array {
  const inv = new Float64Array(l * l);
  for (let j = l - 1; j >= 0; j--) {
    inv[j * l + j] = 1 / r[j * l + j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += r[i * l + k] * inv[k * l + j];
      inv[i * l + j] = -s / r[i * l + i];
    }
  }
  return inv;
}

/** Upper-triangular R with RᵀR = G (G's upper triangle is read), or null if G is not safely positive definite. */
function choleskyUpper(g: Float64Array, l: number): Float64Array | null {
  const r = new Float64Array(l * l);
  let maxDiag = 0;
  for (let a = 0; a < l; a++) maxDiag = Math.max(maxDiag, g[a * l + a]);
  if (!(maxDiag > 0)) return null;
  for (let a = 0; a < l; a++) {
    let s = g[a * l + a];
    for (let k = 0; k < a; k++) s -= r[k * l + a] * r[k * l + a];
    if (!(s > 1e-13 * maxDiag)) return null;
    const d = Math.sqrt(s);
    r[a * l + a] = d;
    for (let b = a + 1; b < l; b++) {
      let t = g[a * l + b];
      for (let k = 0; k < a; k++) t -= r[k * l + a] * r[k * l + b];
      r[a * l + b] = t / d;
    }
  }
  return r;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/** Row-major (rows × cols) → panel of `cols` vectors of length `rows`, and back. */
export function rowsToPanel(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
  return out;
}

export function panelToRows(p: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) out[i * cols + j] = p[j * rows + i];
  return out;
}

export interface SymmetricEigen {
  /** Descending. */
  values: Float64Array;
  /** Row-major size × size; column k is the eigenvector of values[k]. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: slow for big
 * matrices, but exact to machine precision and a few dozen lines; the matrices here
 * are at most a few hundred wide.
 */
export function symmetricEigen(input: Float64Array, size: number): SymmetricEigen {
  const a = Float64Array.from(input);
  const v = new Float64Array(size * size);
  for (let i = 0; i < size; i++) v[i * size + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < size; i++) {
      diag += a[i * size + i] * a[i * size + i];
      for (let j = i + 1; j < size; j++) off += a[i * size + j] * a[i * size + j];
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * size + p];
        const aqq = a[q * size + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p];
          const akq = a[k * size + q];
          a[k * size + p] = c * akp - s * akq;
          a[k * size + q] = s * akp + c * akq;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k];
          const aqk = a[q * size + k];
          a[p * size + k] = c * apk - s * aqk;
          a[q * size + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < size; k++) {
          const vkp = v[k * size + p];
          const vkq = v[k * size + q];
          v[k * size + p] = c * vkp - s * vkq;
          v[k * size + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort((x, y) => a[y * size + y] - a[x * size + x]);
  const values = new Float64Array(size);
  const vectors = new Float64Array(size * size);
  order.forEach((src, dst) => {
    values[dst] = a[src * size + src];
    for (let k = 0; k < size; k++) vectors[k * size + dst] = v[k * size + src];
  });
  return { values, vectors };
}

/** G = PᵀQ (l × l, row-major) for row-major n × l matrices P and Q. */
export function rowsGram(p: Float64Array, q: Float64Array, n: number, l: number): Float64Array {
  const g = new Float64Array(l * l);
  for (let i = 0; i < n; i++) {
    const o = i * l;
    for (let a = 0; a < l; a++) {
      const v = p[o + a];
      if (v === 0) continue;
      const go = a * l;
      for (let b = 0; b < l; b++) g[go + b] += v * q[o + b];
    }
  }
  return g;
}
