// Query-string parsing shared by the read routes (alerts, SLA, surges, clusters, …).
// Fastify's querystring parser gives strings or arrays of strings; the TypeBox schemas
// document the parameters, and these helpers turn them into typed values with a 400
// that names the field (`{ error: { code: 'bad_request', field } }`) for anything else.
import { TicketPulseError } from '../core/errors.ts';

export type Query = Record<string, unknown>;

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const RELATIVE = /^(\d{1,6})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_LIST_VALUES = 100;
const MAX_VALUE_LENGTH = 256;

export const badParam = (field: string, message: string) => new TicketPulseError('bad_request', `${field}: ${message}`, { field });

/** Refuses parameters the route does not know: a typo must not silently widen a query. */
export function checkKnown(query: Query, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) throw badParam(key, `unknown query parameter; allowed: ${allowed.join(', ')}`);
  }
}

export function singleParam(query: Query, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw badParam(name, 'give it once');
  return String(raw);
}

/** `a,b` and `x=a&x=b` both mean [a, b]; bounded so a filter cannot become a huge IN list. */
export function listParam(query: Query, name: string): string[] | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(',')).map((v) => v.trim());
  if (values.length === 0 || values.some((v) => v === '')) throw badParam(name, 'must not be empty');
  if (values.length > MAX_LIST_VALUES) throw badParam(name, `at most ${MAX_LIST_VALUES} values`);
  if (values.some((v) => v.length > MAX_VALUE_LENGTH)) throw badParam(name, `values of at most ${MAX_VALUE_LENGTH} characters`);
  return values;
}

/** Values restricted to a closed set, de-duplicated. */
export function oneOf<T extends string>(name: string, values: string[] | undefined, allowed: readonly T[]): T[] | undefined {
  if (!values) return undefined;
  for (const v of values) if (!(allowed as readonly string[]).includes(v)) throw badParam(name, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return [...new Set(values)] as T[];
}

/** `limit`: a whole number in 1..max, `fallback` when absent. */
export function limitParam(query: Query, fallback: number, max: number): number {
  const text = singleParam(query, 'limit');
  if (text === undefined) return fallback;
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) throw badParam('limit', `must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * True if the text's leading YYYY-MM-DD is a real calendar date. Date.parse rolls
 * 2026-02-30 over into 2 March instead of refusing it.
 */
export function calendarDateExists(text: string): boolean {
  const y = Number(text.slice(0, 4));
  const m = Number(text.slice(5, 7));
  const d = Number(text.slice(8, 10));
  if (!(m >= 1 && m <= 12 && d >= 1)) return false;
  return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
}

/**
 * An instant: ISO-8601 with an offset (no local-time guessing on a server in another
 * zone), a UTC date, or a time relative to now ('30m', '24h', '7d').
 */
export function parseInstant(text: string, name: string, nowMs: number): number {
  const rel = RELATIVE.exec(text);
  if (rel) return nowMs - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  if (DATE_ONLY.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isNaN(ms) && calendarDateExists(text)) return ms;
  } else if (ISO_WITH_OFFSET.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms) && calendarDateExists(text)) return ms;
  }
  throw badParam(name, `expected ISO-8601 with an offset (2026-03-01T08:00:00Z), a date (2026-03-01) or a relative time (30m, 24h, 7d), got ${JSON.stringify(text)}`);
}
