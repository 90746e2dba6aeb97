// Ticket text rendering. Templates are compiled once into token lists because the
// simulator renders hundreds of thousands of texts per second in benchmarks.
//
// Template syntax: `[a|b|c]` picks one alternative uniformly (an empty alternative
// drops the phrase); `{name}` inserts a per-ticket value from TextVars. Alternatives
// may contain `{name}` but not nested `[...]`.
import type { Category, Language, ProductKind } from './catalogue.ts';
import type { Rng } from './random.ts';
import { EN_TEXTS } from './texts-en.ts';
import { ZH_TEXTS } from './texts-zh.ts';

/** One reason to write in: its subjects and bodies are interchangeable with each other. */
export interface Intent {
  subjects: readonly string[];
  bodies: readonly string[];
}

export interface LanguageTexts {
  intents: Readonly<Record<Category, readonly Intent[]>>;
  /** Index-aligned across languages, so a ticket's defect reads the same in both. */
  defects: Readonly<Record<ProductKind, readonly string[]>>;
  /** Wording of customers hit by an incident (they notice the batch, and each other). */
  incident: Intent;
  agentReplies: readonly string[];
  customerReplies: readonly string[];
  reopenReplies: readonly string[];
}

export interface TextVars {
  product: string;
  order: string;
  amount: string;
  batch: string;
  defect: string;
  card: string;
  days: string;
  version: string;
}

const VAR_NAMES: ReadonlySet<string> = new Set<keyof TextVars>(['product', 'order', 'amount', 'batch', 'defect', 'card', 'days', 'version']);

type Token = string | { v: keyof TextVars } | { c: Token[][] };
interface Template {
  tokens: Token[];
  /** Only optional phrases and maybe-empty values leave stray spaces to clean up. */
  tidy: boolean;
}

function compileFlat(text: string, where: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0) {
      out.push(text.slice(i));
      break;
    }
    if (open > i) out.push(text.slice(i, open));
    const close = text.indexOf('}', open);
    const name = close < 0 ? '' : text.slice(open + 1, close);
    // A typo in a template must fail at import time, not as "{prodcut}" in a dashboard.
    if (!VAR_NAMES.has(name)) throw new Error(`unknown template variable {${name}} in ${where}`);
    out.push({ v: name as keyof TextVars });
    i = close + 1;
  }
  return out;
}

export function compileTemplate(text: string): Template {
  const tokens = compileTokens(text);
  const tidy = /\[[^\]]*\|\]|\[\||\|\||\{batch\}/.test(text);
  return { tokens, tidy };
}

function compileTokens(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('[', i);
    if (open < 0) {
      out.push(...compileFlat(text.slice(i), text));
      break;
    }
    if (open > i) out.push(...compileFlat(text.slice(i, open), text));
    const close = text.indexOf(']', open);
    if (close < 0) throw new Error(`unclosed [ in template: ${text}`);
    out.push({ c: text.slice(open + 1, close).split('|').map((alt) => compileFlat(alt, text)) });
    i = close + 1;
  }
  return out;
}

function renderTokens(tokens: readonly Token[], vars: TextVars, rng: Rng): string {
  let out = '';
  for (const t of tokens) {
    if (typeof t === 'string') out += t;
    else if ('v' in t) out += vars[t.v];
    else out += renderTokens(t.c[Math.floor(rng.next() * t.c.length)], vars, rng);
  }
  return out;
}

const MULTI_SPACE = / {2,}/g;
const SPACE_BEFORE_PUNCT = / +([.,!?，。！？])/g;
const DANGLING_COMMA = /[,，]\s*(?=[,.!?，。！？]|$)/g;

export function renderTemplate(template: Template, vars: TextVars, rng: Rng): string {
  const text = renderTokens(template.tokens, vars, rng);
  // Dropped optional phrases leave doubled or dangling spaces behind.
  return template.tidy ? text.replace(MULTI_SPACE, ' ').replace(SPACE_BEFORE_PUNCT, '$1').replace(DANGLING_COMMA, '').trim() : text;
}

interface CompiledIntent {
  subjects: Template[];
  bodies: Template[];
}

interface CompiledLanguage {
  intents: Record<Category, CompiledIntent[]>;
  defects: Readonly<Record<ProductKind, readonly string[]>>;
  incident: CompiledIntent;
  agentReplies: Template[];
  customerReplies: Template[];
  reopenReplies: Template[];
}

const compileIntent = (i: Intent): CompiledIntent => ({ subjects: i.subjects.map(compileTemplate), bodies: i.bodies.map(compileTemplate) });

function compileLanguage(src: LanguageTexts): CompiledLanguage {
  return {
    intents: Object.fromEntries(Object.entries(src.intents).map(([k, list]) => [k, list.map(compileIntent)])) as Record<Category, CompiledIntent[]>,
    defects: src.defects,
    incident: compileIntent(src.incident),
    agentReplies: src.agentReplies.map(compileTemplate),
    customerReplies: src.customerReplies.map(compileTemplate),
    reopenReplies: src.reopenReplies.map(compileTemplate),
  };
}

const COMPILED: Readonly<Record<Language, CompiledLanguage>> = {
  en: compileLanguage(EN_TEXTS),
  zh: compileLanguage(ZH_TEXTS),
};

/** Share of incident tickets that use the incident-specific (batch-aware) wording. */
const INCIDENT_WORDING_SHARE = 0.5;

export function defectCount(kind: ProductKind): number {
  return Math.min(EN_TEXTS.defects[kind].length, ZH_TEXTS.defects[kind].length);
}

export function defectText(lang: Language, kind: ProductKind, index: number): string {
  const list = COMPILED[lang].defects[kind];
  return list[index % list.length];
}

/** Subject and body of a new ticket, from one intent so that they agree. */
export function renderOpening(
  lang: Language,
  category: Category,
  vars: TextVars,
  rng: Rng,
  incident: boolean,
): { subject: string; body: string } {
  const l = COMPILED[lang];
  const intent = incident && rng.chance(INCIDENT_WORDING_SHARE) ? l.incident : rng.pick(l.intents[category]);
  const subject = renderTemplate(rng.pick(intent.subjects), vars, rng);
  return { subject, body: renderTemplate(rng.pick(intent.bodies), vars, rng) };
}

export function renderAgentReply(lang: Language, vars: TextVars, rng: Rng): string {
  return renderTemplate(rng.pick(COMPILED[lang].agentReplies), vars, rng);
}

export function renderCustomerReply(lang: Language, vars: TextVars, rng: Rng): string {
  return renderTemplate(rng.pick(COMPILED[lang].customerReplies), vars, rng);
}

export function renderReopenReply(lang: Language, vars: TextVars, rng: Rng): string {
  return renderTemplate(rng.pick(COMPILED[lang].reopenReplies), vars, rng);
}
