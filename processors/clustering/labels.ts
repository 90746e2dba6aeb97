// Readable cluster labels: the terms that are both common inside a cluster and rarer
// outside it, shown as customers wrote them (surface forms, not stems), in the
// cluster's own language. Overlapping Chinese bigrams are joined back into the phrase
// the members actually contain (退款 + 款到 + 到账 → 退款到账).
import type { CsrMatrix } from './features/sparse.ts';
import type { TfidfVectoriser } from './features/vectoriser.ts';
import { isCjkText } from './features/tokenise.ts';
import { normaliseText, PLACEHOLDERS } from './features/normalise.ts';

export interface TopTerm {
  /** As written by customers (the most frequent surface form of the stem or pair). */
  term: string;
  /** Share of the cluster's tickets containing it. */
  share: number;
  /** Share of all tickets in the run containing it. */
  baseShare: number;
  /** Distinctiveness score (higher first). */
  score: number;
}

export type ClusterLanguage = 'en' | 'zh' | 'mixed';

export interface LabelOptions {
  /** Terms listed per cluster (default 8). */
  topTerms?: number;
  /** Terms joined into the label (default 3). */
  labelTerms?: number;
  /** A term must occur in at least this share of the cluster (default 0.05). */
  minShare?: number;
}

const PLACEHOLDER_SET: ReadonlySet<string> = new Set(PLACEHOLDERS);

const CJK_CHARS_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const LETTERS_RE = /\p{L}/gu;

/** Share of CJK characters among the letters of a text decides its language. */
export function textLanguage(text: string): 'en' | 'zh' {
  const cjk = text.match(CJK_CHARS_RE)?.length ?? 0;
  const other = (text.match(LETTERS_RE)?.length ?? 0) - cjk;
  // A Chinese character carries roughly a word; Latin words run ~5 letters.
  return cjk > other / 5 ? 'zh' : 'en';
}

export function clusterLanguage(texts: readonly string[]): ClusterLanguage {
  let zh = 0;
  for (const t of texts) if (textLanguage(t) === 'zh') zh++;
  const share = texts.length ? zh / texts.length : 0;
  return share >= 0.7 ? 'zh' : share <= 0.3 ? 'en' : 'mixed';
}

interface TermStats {
  /** Per cluster: column → number of member documents containing it. */
  perCluster: Map<number, number>[];
  /** Column → documents containing it, over the whole run. */
  overall: Map<number, number>;
}

function termStats(tfidf: CsrMatrix, wordColumns: number, assignments: ArrayLike<number>, k: number): TermStats {
  const perCluster = Array.from({ length: k }, () => new Map<number, number>());
  const overall = new Map<number, number>();
  for (let i = 0; i < tfidf.rows; i++) {
    const m = perCluster[assignments[i]];
    for (let p = tfidf.indptr[i]; p < tfidf.indptr[i + 1]; p++) {
      const j = tfidf.indices[p];
      if (j >= wordColumns) continue;
      m.set(j, (m.get(j) ?? 0) + 1);
      overall.set(j, (overall.get(j) ?? 0) + 1);
    }
  }
  return { perCluster, overall };
}

export interface ClusterLabel {
  label: string;
  topTerms: TopTerm[];
  language: ClusterLanguage;
}

/**
 * Labels every cluster. Score = share · ln(share / baseShare): the term's contribution
 * to how much the cluster's vocabulary diverges from the run's, which favours terms
 * that are both frequent in the cluster and specific to it.
 */
export function labelClusters(
  vectoriser: TfidfVectoriser,
  tfidf: CsrMatrix,
  texts: readonly string[],
  assignments: ArrayLike<number>,
  k: number,
  opts: LabelOptions = {},
): ClusterLabel[] {
  const topN = opts.topTerms ?? 8;
  const labelN = opts.labelTerms ?? 3;
  const minShare = opts.minShare ?? 0.05;
  const stats = termStats(tfidf, vectoriser.wordColumns, assignments, k);
  const members: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < tfidf.rows; i++) members[assignments[i]].push(i);
  const n = tfidf.rows;
  return members.map((rows, c) => {
    const language = clusterLanguage(rows.map((i) => texts[i]));
    const size = rows.length;
    const scored: { col: number; term: string; share: number; baseShare: number; score: number }[] = [];
    for (const [col, count] of stats.perCluster[c]) {
      const term = vectoriser.terms[col];
      if (count < Math.min(2, size) || term.split(' ').some((w) => PLACEHOLDER_SET.has(w))) continue;
      const share = count / size;
      if (share < minShare) continue;
      const display = vectoriser.displays[col];
      // Pairs whose words were usually apart ('know … exchange') do not read as a phrase.
      if (display.includes('…')) continue;
      const cjk = isCjkText(display);
      if ((language === 'zh' && !cjk) || (language === 'en' && cjk)) continue;
      const baseShare = stats.overall.get(col)! / n;
      const score = share * Math.log(share / baseShare);
      if (score > 0) scored.push({ col, term: display, share, baseShare, score });
    }
    scored.sort((a, b) => b.score - a.score || a.term.localeCompare(b.term));
    const picked = dedupeTerms(scored, topN);
    const phrases = picked.some((t) => isCjkText(t.term)) ? joinCjkPhrases(picked, rows.map((i) => normaliseText(texts[i]))) : picked;
    const label = phrases.slice(0, labelN).map((t) => t.term).join(' / ');
    return {
      label: label || (size > 0 ? '(no distinctive terms)' : '(empty)'),
      topTerms: phrases.map(({ term, share, baseShare, score }): TopTerm => ({ term, share, baseShare, score })),
      language,
    };
  });
}

type Scored = { term: string; share: number; baseShare: number; score: number };

/**
 * Drops a term that repeats one already picked: a word inside a picked pair ('card' after
 * 'card arrived'), or a CJK character inside a picked bigram, when it is hardly more
 * common than the phrase — the phrase already says it.
 */
function dedupeTerms<T extends Scored>(sorted: T[], limit: number): T[] {
  const picked: T[] = [];
  for (const cand of sorted) {
    if (picked.length >= limit * 2) break;
    const covered = picked.some((p) => contains(p.term, cand.term) && cand.share <= p.share * 1.5);
    if (covered) continue;
    // A later, longer phrase replaces the shorter terms it covers.
    for (let i = picked.length - 1; i >= 0; i--) {
      if (contains(cand.term, picked[i].term) && picked[i].share <= cand.share * 1.5) picked.splice(i, 1);
    }
    picked.push(cand);
  }
  return picked.slice(0, limit);
}

function contains(phrase: string, term: string): boolean {
  if (phrase === term) return false;
  if (isCjkText(phrase)) return phrase.includes(term);
  return ` ${phrase} `.includes(` ${term} `);
}

/**
 * Joins CJK terms that overlap by a character when most member texts containing the
 * first also contain the joined phrase; repeats until nothing joins.
 */
function joinCjkPhrases(terms: readonly Scored[], memberTexts: string[]): Scored[] {
  const out: Scored[] = terms.map((t) => ({ ...t }));
  let joined = true;
  while (joined) {
    joined = false;
    outer: for (let a = 0; a < out.length; a++) {
      if (!isCjkText(out[a].term)) continue;
      for (let b = 0; b < out.length; b++) {
        if (a === b || !isCjkText(out[b].term)) continue;
        const ta = out[a].term;
        const tb = out[b].term;
        const last = [...ta].pop()!;
        if (![...tb][0] || [...tb][0] !== last) continue;
        const phrase = ta + [...tb].slice(1).join('');
        const withA = memberTexts.filter((t) => t.includes(ta)).length;
        const withPhrase = memberTexts.filter((t) => t.includes(phrase)).length;
        if (withA === 0 || withPhrase < 0.6 * withA) continue;
        out[a] = {
          term: phrase,
          share: withPhrase / Math.max(1, memberTexts.length),
          baseShare: Math.min(out[a].baseShare, out[b].baseShare),
          score: Math.max(out[a].score, out[b].score),
        };
        out.splice(b, 1);
        joined = true;
        break outer;
      }
    }
  }
  return out;
}
