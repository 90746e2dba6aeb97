// The overview's query string: a time range and the dashboard filters. Values end up
// inside panel SQL through the Grafana plugin's variable expansion, which quotes a
// selection without escaping it, so every value is held to a strict pattern here and
// a bad one is refused naming its parameter.
import { badParam, checkKnown, singleParam } from '../query-params.ts';
import {
  DEFAULT_FROM,
  DEFAULT_TO,
  EPOCH_MS,
  FILTERS,
  FILTER_VALUE,
  ISO_TIME,
  MAX_FILTER_VALUES,
  MAX_RANGE_MS,
  MIN_RANGE_MS,
  RELATIVE_TIME,
  type FilterName,
} from './pages.ts';

export interface OverviewQuery {
  /** Epoch milliseconds. */
  from: number;
  to: number;
  /** The query interval for time buckets, chosen from the range. */
  intervalMs: number;
  /** Selected values per filter; a filter that is absent means All. */
  filters: Partial<Record<FilterName, string[]>>;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Bucket sizes a person reads easily; the range gets about TARGET_POINTS of them. */
const NICE_INTERVALS_MS = [1, 5, 10, 15, 30, 60, 180, 360, 720, 1440].map((m) => m * 60_000);
const TARGET_POINTS = 30;

export function parseOverviewQuery(query: Record<string, unknown>, nowMs: number, allowed: readonly string[] = ['from', 'to', ...FILTERS]): OverviewQuery {
  checkKnown(query, allowed);
  const from = parseTime('from', singleParam(query, 'from') ?? DEFAULT_FROM, nowMs);
  const to = parseTime('to', singleParam(query, 'to') ?? DEFAULT_TO, nowMs);
  if (to - from < MIN_RANGE_MS) throw badParam('from', `must be at least ${MIN_RANGE_MS / 60_000} minutes before to`);
  if (to - from > MAX_RANGE_MS) throw badParam('from', `the range may span at most ${MAX_RANGE_MS / 86_400_000} days`);
  const filters: OverviewQuery['filters'] = {};
  for (const name of FILTERS) {
    const values = filterValues(query, name);
    if (values) filters[name] = values;
  }
  return { from, to, intervalMs: intervalFor(to - from), filters };
}

export function intervalFor(rangeMs: number): number {
  const wanted = rangeMs / TARGET_POINTS;
  return NICE_INTERVALS_MS.find((i) => i >= wanted) ?? NICE_INTERVALS_MS[NICE_INTERVALS_MS.length - 1];
}

function parseTime(field: string, text: string, nowMs: number): number {
  const rel = RELATIVE_TIME.exec(text);
  if (rel) return rel[1] === undefined ? nowMs : nowMs - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  if (EPOCH_MS.test(text)) return Number(text);
  const ms = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw badParam(field, `expected now, now-<n>m|h|d, epoch milliseconds or ISO-8601 with an offset (2026-03-01T08:00:00Z), got ${JSON.stringify(text.slice(0, 64))}`);
  }
  return ms;
}

/** `a,b` and `x=a&x=b` both select [a, b]; the same value twice counts once. */
function filterValues(query: Record<string, unknown>, name: string): string[] | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(',')).map((v) => v.trim());
  if (values.length === 0 || values.some((v) => v === '')) throw badParam(name, 'must not be empty (leave it out for All)');
  const unique = [...new Set(values)];
  if (unique.length > MAX_FILTER_VALUES) throw badParam(name, `at most ${MAX_FILTER_VALUES} values`);
  for (const v of unique) {
    if (!FILTER_VALUE.test(v)) throw badParam(name, `${JSON.stringify(v.slice(0, 64))} is not a valid value: letters, digits, spaces and _ . ( ) - only, at most 64 characters`);
  }
  return unique;
}
