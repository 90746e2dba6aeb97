// Tokenising for English (and other space-separated scripts) and Chinese. Latin-script
// text splits into words, which are stop-filtered and Porter-stemmed; Han / kana runs
// have no word boundaries, so they are cut at stop phrases and particles and then turned
// into character unigrams and bigrams (a bigram is right for most two-character Chinese
// words, and overlapping bigrams need no dictionary).
import { normaliseText, PLACEHOLDERS } from './normalise.ts';
import { porterStem } from './stemmer.ts';
import { CHINESE_STOP_CHARS, CHINESE_STOP_PHRASES, ENGLISH_STOP_WORDS } from './stop-words.ts';

export type UnitKind = 'word' | 'cjk' | 'placeholder';

export interface TextUnit {
  kind: UnitKind;
  /** The feature key: the stem of a word, the run itself for CJK, the placeholder. */
  key: string;
  /** The form as written (lower-cased), for labels and character n-grams. */
  surface: string;
  /** Words were dropped (stop words) between this unit and the previous one. */
  afterGap?: boolean;
}

export interface AnalyseOptions {
  /** Porter-stem English words (default true). */
  stem?: boolean;
  /** Drop stop words and phrases (default true). */
  stopWords?: boolean;
}

export interface TokeniseOptions extends AnalyseOptions {
  /** Emit single CJK characters besides bigrams (default true). */
  cjkUnigrams?: boolean;
}

const CJK_CHAR = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー`;
const SCRIPT_RUN_RE = new RegExp(`[${CJK_CHAR}]+|[^${CJK_CHAR}]+`, 'gu');
const CJK_RUN_RE = new RegExp(`^[${CJK_CHAR}]`, 'u');
const PLACEHOLDER_SET: ReadonlySet<string> = new Set(PLACEHOLDERS);
const LETTER_RE = /\p{L}/u;
const PHRASE_SPLIT_RE = new RegExp(
  CHINESE_STOP_PHRASES.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
  'gu',
);

export function isCjkText(s: string): boolean {
  return CJK_RUN_RE.test(s);
}

function wordUnit(raw: string, stem: boolean, stopWords: boolean): TextUnit | null {
  let w = raw.replace(/^'+|'+$/g, '');
  if (w.length === 0) return null;
  if (stopWords && ENGLISH_STOP_WORDS.has(w)) return null;
  if (w.endsWith("'s")) w = w.slice(0, -2);
  w = w.replace(/'/g, '');
  if (w.length < 2 || !LETTER_RE.test(w)) return null;
  if (stopWords && ENGLISH_STOP_WORDS.has(w)) return null;
  return { kind: 'word', key: stem ? porterStem(w) : w, surface: w };
}

function cjkUnits(run: string, stopWords: boolean, out: TextUnit[]): void {
  const parts = stopWords ? run.replace(PHRASE_SPLIT_RE, ' ').split(' ') : [run];
  for (const part of parts) {
    let cur = '';
    for (const ch of part) {
      if (stopWords && CHINESE_STOP_CHARS.has(ch)) {
        if (cur) out.push({ kind: 'cjk', key: cur, surface: cur });
        cur = '';
      } else cur += ch;
    }
    if (cur) out.push({ kind: 'cjk', key: cur, surface: cur });
  }
}

/**
 * Normalises and splits a text into segments (runs between sentence punctuation) of
 * units. Word pairs are only formed within a segment.
 */
export function analyse(text: string, opts: AnalyseOptions = {}): TextUnit[][] {
  const stem = opts.stem ?? true;
  const stopWords = opts.stopWords ?? true;
  const segments: TextUnit[][] = [];
  let cur: TextUnit[] = [];
  let gap = false;
  for (const piece of normaliseText(text).split(' ')) {
    if (piece === '|') {
      if (cur.length) segments.push(cur);
      cur = [];
      gap = false;
    } else if (PLACEHOLDER_SET.has(piece)) {
      cur.push({ kind: 'placeholder', key: piece, surface: piece, afterGap: gap });
      gap = false;
    } else {
      for (const run of piece.match(SCRIPT_RUN_RE) ?? []) {
        if (isCjkText(run)) {
          cjkUnits(run, stopWords, cur);
          gap = false;
        } else {
          const u = wordUnit(run, stem, stopWords);
          if (u) {
            if (gap) u.afterGap = true;
            cur.push(u);
            gap = false;
          } else gap = true;
        }
      }
    }
  }
  if (cur.length) segments.push(cur);
  return segments;
}

/** Character unigrams (optionally) and bigrams of one CJK run, in reading order. */
export function cjkGrams(run: string, unigrams: boolean, out: string[]): void {
  const chars = [...run];
  if (chars.length === 1) {
    out.push(chars[0]);
    return;
  }
  for (let i = 0; i < chars.length; i++) {
    if (unigrams) out.push(chars[i]);
    if (i + 1 < chars.length) out.push(chars[i] + chars[i + 1]);
  }
}

/**
 * The word-level terms of a text, in order: English stems, placeholders, and CJK
 * character unigrams and bigrams. (Word pairs and character n-grams are added by the
 * vectoriser, not here.)
 */
export function tokenise(text: string, opts: TokeniseOptions = {}): string[] {
  const unigrams = opts.cjkUnigrams ?? true;
  const out: string[] = [];
  for (const seg of analyse(text, opts)) {
    for (const u of seg) {
      if (u.kind === 'cjk') cjkGrams(u.key, unigrams, out);
      else out.push(u.key);
    }
  }
  return out;
}
