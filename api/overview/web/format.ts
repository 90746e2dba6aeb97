// How numbers read on the page. Kept deliberately plain (fixed decimals, no locale
// grouping) so what the page shows can be checked against the API's numbers.
import type { Language } from './i18n.ts';

/** A number, or null for SQL NULL, empty and anything not numeric (Number(null) would be 0). */
export function numeric(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export const MISSING = '–';

export function percent(share: unknown): string {
  const n = numeric(share);
  return n === null ? MISSING : `${(n * 100).toFixed(1)}%`;
}

export function integer(value: unknown): string {
  const n = numeric(value);
  return n === null ? MISSING : String(Math.round(n));
}

export function decimal(value: unknown, digits = 2): string {
  const n = numeric(value);
  return n === null ? MISSING : n.toFixed(digits);
}

/** 95 → "1 h 35 min", 12 → "12 min"; the sign is the caller's business (left vs over). */
export function minutes(value: number, lang: Language): string {
  const total = Math.round(Math.abs(value));
  const hours = Math.floor(total / 60);
  const mins = total % 60;
  const [h, m] = lang === 'zh' ? [' 小时 ', ' 分钟'] : [' h ', ' min'];
  return hours > 0 ? `${hours}${h}${String(mins).padStart(2, '0')}${m}` : `${mins}${m}`;
}

/** ClickHouse's JSON times ("2026-11-26 21:35:00" or with ".123", UTC) or ISO-8601, as epoch ms. */
export function parseTime(value: unknown): number {
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  const text = String(value);
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text) ? `${text.replace(' ', 'T')}Z` : text;
  return Date.parse(iso);
}

/** A UTC instant as local "YYYY-MM-DD HH:MM". */
export function dateTime(value: unknown): string {
  const ms = parseTime(value);
  if (!Number.isFinite(ms)) return String(value ?? '');
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** 3_600_000 → "1 h", 900_000 → "15 min", 86_400_000 → "1 d" (zh: 小时 / 分钟 / 天). */
export function interval(ms: number, lang: Language): string {
  const units: Array<[number, string, string]> = [
    [86_400_000, 'd', '天'],
    [3_600_000, 'h', '小时'],
    [60_000, 'min', '分钟'],
  ];
  for (const [size, en, zh] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${lang === 'zh' ? zh : en}`;
  }
  return `${Math.round(ms / 1000)} s`;
}
