import { describe, expect, it } from 'vitest';
import { randomizedSvd, rightSingularVectors, SeededRandom, TfidfVectoriser, type CsrMatrix } from '../../processors/clustering/index.ts';
import { symmetricEigen } from '../../processors/clustering/features/linalg.ts';
import { CsrBuilder } from '../../processors/clustering/features/sparse.ts';

function randomSparse(rows: number, cols: number, density: number, seed: number): { a: CsrMatrix; dense: Float64Array } {
  const rng = new SeededRandom(seed);
  const dense = new Float64Array(rows * cols);
  const b = new CsrBuilder(cols);
  for (let i = 0; i < rows; i++) {
    const c: number[] = [];
    const v: number[] = [];
    for (let j = 0; j < cols; j++) {
      if (rng.next() < density) {
        const x = rng.next() + 0.1;
        c.push(j);
        v.push(x);
        dense[i * cols + j] = x;
      }
    }
    b.push(c, v, c.length);
  }
  return { a: b.build(), dense };
}

describe('randomizedSvd', () => {
  it('finds the exact top singular values and orthonormal right singular vectors', () => {
    const rows = 40;
    const cols = 12;
    const { a, dense } = randomSparse(rows, cols, 0.4, 3);
    // Exact: eigenvalues of AᵀA.
    const ata = new Float64Array(cols * cols);
    for (let i = 0; i < rows; i++) for (let p = 0; p < cols; p++) for (let q = 0; q < cols; q++) ata[p * cols + q] += dense[i * cols + p] * dense[i * cols + q];
    const exact = Array.from(symmetricEigen(ata, cols).values, (v) => Math.sqrt(Math.max(0, v)));
    const svd = randomizedSvd(a, { dims: 5, oversample: 7, seed: 1 });
    expect(svd.dims).toBe(5);
    for (let k = 0; k < 5; k++) expect(svd.singularValues[k]).toBeCloseTo(exact[k], 8);
    const v = rightSingularVectors(svd);
    for (let p = 0; p < 5; p++) {
      for (let q = 0; q < 5; q++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += v[j * 5 + p] * v[j * 5 + q];
        expect(s).toBeCloseTo(p === q ? 1 : 0, 8);
      }
    }
  });

  it('keeps no more directions than the rank of the matrix', () => {
    // Two distinct rows repeated: rank 2.
    const b = new CsrBuilder(4);
    for (let i = 0; i < 10; i++) b.push(i % 2 ? [0, 1] : [2, 3], [1, 2], 2);
    const svd = randomizedSvd(b.build(), { dims: 4, seed: 1 });
    expect(svd.dims).toBe(2);
  });
});

describe('TfidfVectoriser', () => {
  it('weights terms by sublinear tf × smoothed idf and L2-normalises rows', () => {
    const v = TfidfVectoriser.fit(['refund refund late', 'refund late', 'password'], {
      minDf: 1,
      maxDf: 1,
      charNgrams: null,
      wordNgramMax: 1,
    });
    expect([...v.terms].sort()).toEqual(['late', 'password', 'refund']);
    const m = v.transform(['refund refund late']);
    const weight = (term: string) => {
      const col = v.terms.indexOf(term);
      for (let p = m.indptr[0]; p < m.indptr[1]; p++) if (m.indices[p] === col) return m.data[p];
      return 0;
    };
    // Same idf (both in 2 of 3 texts): the ratio is the tf part, 1 + ln 2.
    expect(weight('refund') / weight('late')).toBeCloseTo(1 + Math.log(2), 12);
    expect(weight('refund') ** 2 + weight('late') ** 2).toBeCloseTo(1, 12);
    // idf = ln((1 + n) / (1 + df)) + 1
    expect(v.idf[v.terms.indexOf('password')]).toBeCloseTo(Math.log(4 / 2) + 1, 12);
  });

  it('shows stems and stem pairs as customers wrote them', () => {
    const v = TfidfVectoriser.fit(['card arrived late', 'my card arrived', 'cards arrived broken'], { minDf: 2, maxDf: 1 });
    expect(v.displays[v.terms.indexOf('arriv')]).toBe('arrived');
    expect(v.displays[v.terms.indexOf('card arriv')]).toBe('card arrived');
  });

  it('ignores unknown terms when transforming new texts', () => {
    const v = TfidfVectoriser.fit(['refund late', 'refund late again'], { minDf: 1, charNgrams: null });
    const m = v.transform(['completely unrelated words']);
    expect(m.indptr[1] - m.indptr[0]).toBe(0);
  });
});

describe('word pairs', () => {
  const texts = ['I want to know the exchange rate', 'know the exchange rate please', 'exchange rate today'];

  it('pairs only words that stand together by default', () => {
    const v = TfidfVectoriser.fit(texts, { minDf: 2, maxDf: 1 });
    expect(v.displays[v.terms.indexOf('exchang rate')]).toBe('exchange rate');
    expect(v.terms).not.toContain('know exchang');
  });

  it('marks pairs formed across stop words when asked for them', () => {
    const v = TfidfVectoriser.fit(texts, { minDf: 2, maxDf: 1, pairsAcrossGaps: true });
    expect(v.displays[v.terms.indexOf('know exchang')]).toBe('know … exchange');
  });
});
