// TF-IDF over two blocks of features: word-level terms (English stems and stem pairs,
// CJK character unigrams and bigrams, placeholders) and character n-grams inside
// English words. The word block carries meaning and gives labels; the character block
// makes 'refund' / 'refunded' / 'refunds' and typos ('recieved') overlap where the
// stemmer does not. Each block is L2-normalised before they are weighted and joined, so
// neither dominates only because it has more non-zeros.
import { CsrBuilder, type CsrMatrix } from './sparse.ts';
import { analyse, cjkGrams, type TextUnit } from './tokenise.ts';

export interface VectoriserOptions {
  /** 1: single words only; 2: adjacent word pairs too (default 2). */
  wordNgramMax?: 1 | 2;
  /**
   * Also pair words that had stop words between them, as scikit-learn does ('know the
   * exchange' → 'know exchange'). Default false: a phrase is words that stand together.
   */
  pairsAcrossGaps?: boolean;
  /** Character n-gram lengths within English words, e.g. [3, 5]; null turns them off (default [3, 5]). */
  charNgrams?: readonly [number, number] | null;
  /** CJK single characters besides bigrams (default true). */
  cjkUnigrams?: boolean;
  stem?: boolean;
  stopWords?: boolean;
  /** A term must occur in at least this many texts (default 2). */
  minDf?: number;
  /** …and in at most this share of them (default 0.5). */
  maxDf?: number;
  /** Keep at most this many terms per block, the most frequent (default 50,000). */
  maxFeatures?: number;
  /** Weight of the character block against the word block (default 1). */
  charWeight?: number;
}

export type ResolvedVectoriserOptions = Required<Omit<VectoriserOptions, 'charNgrams'>> & {
  charNgrams: readonly [number, number] | null;
};

export const DEFAULT_VECTORISER_OPTIONS: ResolvedVectoriserOptions = {
  wordNgramMax: 2,
  pairsAcrossGaps: false,
  charNgrams: [3, 5],
  cjkUnigrams: true,
  stem: true,
  stopWords: true,
  minDf: 2,
  maxDf: 0.5,
  maxFeatures: 50_000,
  charWeight: 1,
};

/** Character n-grams are hashed instead of kept as strings: far fewer allocations. */
const CHAR_HASH_BITS = 22;
const CHAR_HASH_MASK = (1 << CHAR_HASH_BITS) - 1;

/** Defaults for every option left out or undefined. */
function resolveOptions(opts: VectoriserOptions): ResolvedVectoriserOptions {
  const o: Record<string, unknown> = { ...DEFAULT_VECTORISER_OPTIONS };
  for (const [key, value] of Object.entries(opts)) if (value !== undefined && key in o) o[key] = value;
  return o as ResolvedVectoriserOptions;
}

interface DocTerms {
  words: string[];
  /** Hashed character n-grams (keys of the character block). */
  chars: number[];
  units: TextUnit[][];
}

function hashGram(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & CHAR_HASH_MASK;
}

function docTerms(text: string, o: ResolvedVectoriserOptions): DocTerms {
  const units = analyse(text, o);
  const words: string[] = [];
  const chars: number[] = [];
  for (const seg of units) {
    let prev: TextUnit | null = null;
    for (const u of seg) {
      if (u.kind === 'cjk') {
        cjkGrams(u.key, o.cjkUnigrams, words);
        prev = null;
        continue;
      }
      words.push(u.key);
      if (o.wordNgramMax >= 2 && prev && (o.pairsAcrossGaps || !u.afterGap)) words.push(`${prev.key} ${u.key}`);
      prev = u;
      if (o.charNgrams && u.kind === 'word') {
        const padded = ` ${u.surface} `;
        const [lo, hi] = o.charNgrams;
        for (let n = lo; n <= hi; n++) {
          for (let i = 0; i + n <= padded.length; i++) chars.push(hashGram(padded, i, i + n));
        }
      }
    }
  }
  return { words, chars, units };
}

function keepTerms<K>(df: Map<K, number>, docs: number, o: ResolvedVectoriserOptions): K[] {
  const maxCount = Math.max(o.minDf, Math.floor(o.maxDf * docs));
  const kept = [...df].filter(([, c]) => c >= o.minDf && c <= maxCount);
  // Most frequent first; ties by key so the vocabulary does not depend on input order.
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return kept.slice(0, o.maxFeatures).map(([k]) => k);
}

export interface VectoriserState {
  options: ResolvedVectoriserOptions;
  /** Word-block terms; column j is terms[j]. */
  terms: string[];
  /** Readable form of each word-block term (most frequent surface form). */
  displays: string[];
  /** Hash keys of the character block; column terms.length + j is charKeys[j]. */
  charKeys: number[];
  /** idf per column (word block, then character block). */
  idf: Float64Array;
  docs: number;
}

export class TfidfVectoriser {
  readonly options: ResolvedVectoriserOptions;
  readonly terms: readonly string[];
  readonly displays: readonly string[];
  readonly idf: Float64Array;
  readonly docs: number;
  private readonly charKeys: readonly number[];
  private readonly wordIndex: Map<string, number>;
  private readonly charIndex: Map<number, number>;

  private constructor(s: VectoriserState) {
    this.options = s.options;
    this.terms = s.terms;
    this.displays = s.displays;
    this.charKeys = s.charKeys;
    this.idf = s.idf;
    this.docs = s.docs;
    this.wordIndex = new Map(s.terms.map((t, i) => [t, i]));
    this.charIndex = new Map(s.charKeys.map((k, i) => [k, s.terms.length + i]));
  }

  static fromState(s: VectoriserState): TfidfVectoriser {
    return new TfidfVectoriser(s);
  }

  /** Learns the vocabulary and idf from a reference window of texts. */
  static fit(texts: readonly string[], opts: VectoriserOptions = {}): TfidfVectoriser {
    const o = resolveOptions(opts);
    const wordDf = new Map<string, number>();
    const charDf = new Map<number, number>();
    const surfaces = new Map<string, Map<string, number>>();
    const seenW = new Set<string>();
    const seenC = new Set<number>();
    for (const text of texts) {
      const d = docTerms(text, o);
      seenW.clear();
      seenC.clear();
      for (const w of d.words) seenW.add(w);
      for (const c of d.chars) seenC.add(c);
      for (const w of seenW) wordDf.set(w, (wordDf.get(w) ?? 0) + 1);
      for (const c of seenC) charDf.set(c, (charDf.get(c) ?? 0) + 1);
      collectSurfaces(d.units, o.wordNgramMax, surfaces);
    }
    const n = texts.length;
    const terms = keepTerms(wordDf, n, o);
    const charKeys = o.charNgrams ? keepTerms(charDf, n, o) : [];
    const idf = new Float64Array(terms.length + charKeys.length);
    // Smoothed idf, as scikit-learn: ln((1 + n) / (1 + df)) + 1.
    terms.forEach((t, j) => (idf[j] = Math.log((1 + n) / (1 + wordDf.get(t)!)) + 1));
    charKeys.forEach((k, j) => (idf[terms.length + j] = Math.log((1 + n) / (1 + charDf.get(k)!)) + 1));
    const displays = terms.map((t) => mostFrequent(surfaces.get(t)) ?? t);
    return new TfidfVectoriser({ options: o, terms, displays, charKeys, idf, docs: n });
  }

  get columns(): number {
    return this.idf.length;
  }

  get wordColumns(): number {
    return this.terms.length;
  }

  state(): VectoriserState {
    return {
      options: this.options,
      terms: [...this.terms],
      displays: [...this.displays],
      charKeys: [...this.charKeys],
      idf: this.idf,
      docs: this.docs,
    };
  }

  /** Sublinear tf × idf, each block L2-normalised and weighted, rows L2-normalised. */
  transform(texts: readonly string[]): CsrMatrix {
    const b = new CsrBuilder(this.columns);
    const counts = new Map<number, number>();
    const cols: number[] = [];
    const vals: number[] = [];
    const wc = this.terms.length;
    const cw = this.options.charWeight;
    for (const text of texts) {
      const d = docTerms(text, this.options);
      counts.clear();
      for (const w of d.words) {
        const j = this.wordIndex.get(w);
        if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
      }
      for (const c of d.chars) {
        const j = this.charIndex.get(c);
        if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
      }
      cols.length = 0;
      for (const j of counts.keys()) cols.push(j);
      cols.sort((x, y) => x - y);
      vals.length = cols.length;
      let nw = 0;
      let nc = 0;
      for (let k = 0; k < cols.length; k++) {
        const j = cols[k];
        const v = (1 + Math.log(counts.get(j)!)) * this.idf[j];
        vals[k] = v;
        if (j < wc) nw += v * v;
        else nc += v * v;
      }
      const sw = nw > 0 ? 1 / Math.sqrt(nw) : 0;
      const sc = nc > 0 ? cw / Math.sqrt(nc) : 0;
      let total = 0;
      for (let k = 0; k < cols.length; k++) {
        vals[k] *= cols[k] < wc ? sw : sc;
        total += vals[k] * vals[k];
      }
      const s = total > 0 ? 1 / Math.sqrt(total) : 0;
      for (let k = 0; k < cols.length; k++) vals[k] *= s;
      b.push(cols, vals, cols.length);
    }
    return b.build();
  }
}

function collectSurfaces(units: TextUnit[][], wordNgramMax: number, out: Map<string, Map<string, number>>): void {
  const add = (key: string, surface: string): void => {
    let m = out.get(key);
    if (!m) out.set(key, (m = new Map()));
    m.set(surface, (m.get(surface) ?? 0) + 1);
  };
  for (const seg of units) {
    let prev: TextUnit | null = null;
    for (const u of seg) {
      if (u.kind === 'cjk') {
        prev = null;
        continue;
      }
      if (u.kind === 'word') add(u.key, u.surface);
      // A pair that skipped stop words reads '… know … exchange …'; shown with the gap.
      if (wordNgramMax >= 2 && prev) add(`${prev.key} ${u.key}`, `${prev.surface}${u.afterGap ? ' … ' : ' '}${u.surface}`);
      prev = u;
    }
  }
}

function mostFrequent(m: Map<string, number> | undefined): string | undefined {
  if (!m) return undefined;
  let best: string | undefined;
  let bestCount = -1;
  for (const [s, c] of m) {
    if (c > bestCount || (c === bestCount && best !== undefined && s < best)) {
      best = s;
      bestCount = c;
    }
  }
  return best;
}
