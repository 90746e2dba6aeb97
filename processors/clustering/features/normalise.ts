// Text normalisation ahead of tokenising. Tickets mix scripts, full-width forms typed on
// Chinese keyboards, and identifiers that are unique per ticket (order ids, amounts,
// e-mail addresses): left alone, each of those would become a rare term that splits
// otherwise identical complaints, so they are folded into placeholder tokens.

/** Placeholder tokens the normaliser writes; the tokeniser keeps them whole. */
export const PLACEHOLDERS = ['<url>', '<email>', '<order>', '<amount>', '<num>', '<attr>'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/g;
const EMAIL_RE = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
// '#A12345678', '#12345', 'A12345678' (letters then ≥ 6 digits) and bare runs of ≥ 8
// digits (tracking or card numbers): all identify one order or parcel, not a problem.
const ORDER_RE = /#[a-z]{0,3}-?\d{3,}|\b[a-z]{1,3}-?\d{6,}\b|\b\d{8,}\b/g;
const CURRENCY_PREFIX = String.raw`(?:[a-z]{0,2}\$|[€£¥]|rmb|cny|usd|eur|gbp|hkd|sgd)`;
const CURRENCY_SUFFIX = String.raw`(?:元|块钱|块|美元|欧元|英镑|usd|eur|gbp|rmb|cny|dollars?|euros?|pounds?)`;
const NUMBER = String.raw`\d[\d,]*(?:\.\d+)?`;
const AMOUNT_RE = new RegExp(
  String.raw`${CURRENCY_PREFIX}\s?${NUMBER}|${NUMBER}\s?${CURRENCY_SUFFIX}(?![a-z])`,
  'g',
);
// Short codes such as product batches ('B-2311') or error codes ('E404') can be the very
// thing a root cause hinges on, so they stay one token (hyphen dropped) instead of
// becoming '<num>'.
const CODE_RE = /\b([a-z]{1,3})-?(\d{2,5})\b/g;
// Digits glued to Latin letters ('b2311', 'error500') are part of a code and stay.
const NUMBER_RE = /(?<![a-z\d])\d+(?:[.,:/]\d+)*/g;
// Everything that is not a letter, a digit, an apostrophe inside a word, or a placeholder
// bracket becomes a space; sentence punctuation becomes '|' so that word pairs are not
// formed across it.
const SENTENCE_PUNCT_RE = /[.!?;:,。！？；：，、\n\r]+/g;
const OTHER_PUNCT_RE = /[^\p{L}\p{N}'<>|\s]+/gu;

const maskCache = new Map<string, RegExp>();

/**
 * Replaces the ticket's own attribute values (e.g. its product name) in its text by
 * '<attr>'. Attributes are profiled separately; left in the text, a product name shared
 * by every complaint about that product outweighs what the complaint is about, and
 * clusters form by product instead of by problem.
 */
export function maskAttributeValues(text: string, values: readonly string[]): string {
  let s = text;
  for (const v of values) {
    if (v.length < 3) continue;
    let re = maskCache.get(v);
    if (!re) {
      if (maskCache.size > 10_000) maskCache.clear();
      re = new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
      maskCache.set(v, re);
    }
    s = s.replace(re, ' <attr> ');
  }
  return s;
}

export function normaliseText(text: string): string {
  // NFKC folds full-width Latin letters, digits and punctuation (Ａ１，) to ASCII.
  let s = text.normalize('NFKC').toLowerCase();
  s = s.replace(/[’‘`´]/g, "'");
  s = s.replace(URL_RE, ' <url> ');
  s = s.replace(EMAIL_RE, ' <email> ');
  s = s.replace(ORDER_RE, ' <order> ');
  s = s.replace(AMOUNT_RE, ' <amount> ');
  s = s.replace(CODE_RE, (_m, letters: string, digits: string) => ` ${letters}${digits} `);
  s = s.replace(NUMBER_RE, ' <num> ');
  // Brackets that are not ours must not survive into the tokeniser.
  s = s.replace(/<(?!(?:url|email|order|amount|num|attr)>)/g, ' ').replace(/(?<!<(?:url|email|order|amount|num|attr))>/g, ' ');
  s = s.replace(SENTENCE_PUNCT_RE, ' | ');
  s = s.replace(OTHER_PUNCT_RE, ' ');
  return s.replace(/\s+/g, ' ').trim();
}
