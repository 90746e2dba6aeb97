// Compressed sparse rows: the TF-IDF matrix of a few hundred thousand short texts has a
// few dozen non-zeros per row, so dense storage is out of the question.

export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row i's entries are indices/data[indptr[i] .. indptr[i+1]). */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float64Array;
}

/** Appends rows one at a time; storage grows geometrically. */
export class CsrBuilder {
  private indptr: number[] = [0];
  private indices = new Int32Array(1024);
  private data = new Float64Array(1024);
  private nnz = 0;

  constructor(private readonly cols: number) {}

  push(cols: ArrayLike<number>, values: ArrayLike<number>, count: number): void {
    if (this.nnz + count > this.indices.length) {
      const size = Math.max(this.indices.length * 2, this.nnz + count);
      const ind = new Int32Array(size);
      ind.set(this.indices.subarray(0, this.nnz));
      const dat = new Float64Array(size);
      dat.set(this.data.subarray(0, this.nnz));
      this.indices = ind;
      this.data = dat;
    }
    for (let k = 0; k < count; k++) {
      this.indices[this.nnz] = cols[k];
      this.data[this.nnz] = values[k];
      this.nnz++;
    }
    this.indptr.push(this.nnz);
  }

  build(): CsrMatrix {
    return {
      rows: this.indptr.length - 1,
      cols: this.cols,
      indptr: Int32Array.from(this.indptr),
      indices: this.indices.slice(0, this.nnz),
      data: this.data.slice(0, this.nnz),
    };
  }
}

/** out (rows × k, row-major) = A · B where B is cols × k row-major. */
export function csrTimesDense(a: CsrMatrix, b: Float64Array, k: number, out: Float64Array = new Float64Array(a.rows * k)): Float64Array {
  out.fill(0);
  for (let i = 0; i < a.rows; i++) {
    const o = i * k;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const v = a.data[p];
      const bo = a.indices[p] * k;
      for (let j = 0; j < k; j++) out[o + j] += v * b[bo + j];
    }
  }
  return out;
}

/** out (cols × k, row-major) = Aᵀ · Y where Y is rows × k row-major. */
export function csrTransposeTimesDense(a: CsrMatrix, y: Float64Array, k: number, out: Float64Array = new Float64Array(a.cols * k)): Float64Array {
  out.fill(0);
  for (let i = 0; i < a.rows; i++) {
    const yo = i * k;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const v = a.data[p];
      const oo = a.indices[p] * k;
      for (let j = 0; j < k; j++) out[oo + j] += v * y[yo + j];
    }
  }
  return out;
}

/** The rows at the given positions, in that order. */
export function csrSelectRows(a: CsrMatrix, rows: ArrayLike<number>): CsrMatrix {
  const b = new CsrBuilder(a.cols);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const s = a.indptr[i];
    b.push(a.indices.subarray(s, a.indptr[i + 1]), a.data.subarray(s, a.indptr[i + 1]), a.indptr[i + 1] - s);
  }
  return b.build();
}
