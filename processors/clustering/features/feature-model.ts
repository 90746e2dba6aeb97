// The fitted feature space: TF-IDF vocabulary and idf plus the SVD projection, learnt on
// a reference window. transform() maps any later texts into the same space, which is
// what makes centroids of different runs comparable.
import { TfidfVectoriser, type VectoriserOptions } from './vectoriser.ts';
import { randomizedSvd, rightSingularVectors } from './svd.ts';
import { csrTimesDense, type CsrMatrix } from './sparse.ts';
import { SeededRandom } from '../random.ts';

export interface FeatureOptions extends VectoriserOptions {
  /** Reduced dimensions (default 160); 0 keeps the sparse TF-IDF space only. */
  dims?: number;
  /** Power iterations of the randomized SVD (default 2). */
  powerIterations?: number;
  /**
   * Latent direction k is weighted σₖ^p (relative to σ₁): 1 is classic LSA (UΣ), 0
   * whitens, above 1 leans further on the dominant directions and damps the long tail
   * of weak, noisy ones — a soft truncation (default 1.5; see docs/root-cause.md).
   */
  singularValuePower?: number;
  /** Fit vocabulary and SVD on at most this many texts (a seeded sample; default 10,000). */
  maxFitTexts?: number;
  seed?: number;
}

export interface Embedding {
  /** n × dims, row-major, each row unit length (or zero for a text with no known term). */
  vectors: Float64Array;
  rows: number;
  dims: number;
}

export const DEFAULT_DIMS = 160;
export const DEFAULT_SINGULAR_VALUE_POWER = 1.5;
export const DEFAULT_MAX_FIT_TEXTS = 10_000;

/** The reduced space: x ↦ x · components, then L2-normalised. */
export interface LatentSpace {
  dims: number;
  /** (vocabulary columns) × dims, row-major; weights per direction already folded in. */
  components: Float64Array;
  singularValues: Float64Array;
}

export class FeatureModel {
  private constructor(
    readonly vectoriser: TfidfVectoriser,
    readonly latent: LatentSpace | null,
  ) {}

  /** Rebuilds a model from its parts (e.g. after persisting a reference window's fit). */
  static fromParts(vectoriser: TfidfVectoriser, latent: LatentSpace | null): FeatureModel {
    return new FeatureModel(vectoriser, latent);
  }

  static fit(texts: readonly string[], opts: FeatureOptions = {}): FeatureModel {
    const seed = opts.seed ?? 0;
    const maxFit = opts.maxFitTexts ?? DEFAULT_MAX_FIT_TEXTS;
    const fitTexts = texts.length > maxFit ? [...new SeededRandom(seed, 0xf17).sample(texts.length, maxFit)].sort((a, b) => a - b).map((i) => texts[i]) : texts;
    // min_df = 2 drops one-off terms, noise in a big window; in a handful of texts it
    // would drop nearly every term.
    const vectoriser = TfidfVectoriser.fit(fitTexts, fitTexts.length < 20 ? { ...opts, minDf: 1 } : opts);
    // A few texts cannot support hundreds of latent directions: at most 4√n of them.
    const dims = Math.min(opts.dims ?? DEFAULT_DIMS, Math.ceil(4 * Math.sqrt(fitTexts.length)));
    if (dims <= 0 || vectoriser.columns === 0 || fitTexts.length < 2) return new FeatureModel(vectoriser, null);
    const tfidf = vectoriser.transform(fitTexts);
    const svd = randomizedSvd(tfidf, { dims, seed, powerIterations: opts.powerIterations });
    if (svd.dims === 0) return new FeatureModel(vectoriser, null);
    const components = rightSingularVectors(svd);
    const power = opts.singularValuePower ?? DEFAULT_SINGULAR_VALUE_POWER;
    if (power !== 1) {
      const top = svd.singularValues[0];
      const w = Array.from(svd.singularValues, (s) => (s / top) ** (power - 1));
      for (let j = 0; j < components.length; j++) components[j] *= w[j % svd.dims];
    }
    return new FeatureModel(vectoriser, { dims: svd.dims, components, singularValues: svd.singularValues });
  }

  get dims(): number {
    return this.latent ? this.latent.dims : this.vectoriser.columns;
  }

  /** Sparse TF-IDF rows (unit length). */
  tfidf(texts: readonly string[]): CsrMatrix {
    return this.vectoriser.transform(texts);
  }

  /** Dense reduced rows, L2-normalised so that dot products are cosines. */
  embed(tfidf: CsrMatrix): Embedding {
    if (!this.latent) {
      const dims = tfidf.cols;
      const vectors = new Float64Array(tfidf.rows * dims);
      for (let i = 0; i < tfidf.rows; i++) {
        for (let p = tfidf.indptr[i]; p < tfidf.indptr[i + 1]; p++) vectors[i * dims + tfidf.indices[p]] = tfidf.data[p];
      }
      return { vectors, rows: tfidf.rows, dims };
    }
    const dims = this.latent.dims;
    const vectors = csrTimesDense(tfidf, this.latent.components, dims);
    for (let i = 0; i < tfidf.rows; i++) {
      let s = 0;
      for (let t = 0; t < dims; t++) s += vectors[i * dims + t] ** 2;
      if (s > 0) {
        const inv = 1 / Math.sqrt(s);
        for (let t = 0; t < dims; t++) vectors[i * dims + t] *= inv;
      }
    }
    return { vectors, rows: tfidf.rows, dims };
  }

  transform(texts: readonly string[]): Embedding {
    return this.embed(this.tfidf(texts));
  }
}
