// Time-of-day and day-of-week rhythms, in each region's local (fixed-offset) time.
// Pure arithmetic on epoch milliseconds: no Date objects on the hot path.
import { REGIONS, REGION_SHARE, REGION_UTC_OFFSET_HOURS, type Region } from './catalogue.ts';

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Relative ticket volume per local hour: quiet at night, peaks late morning and mid-afternoon. */
const DAILY_RAW = [
  0.25, 0.18, 0.14, 0.12, 0.12, 0.18, 0.35, 0.7, 1.15, 1.5, 1.75, 1.85, 1.5, 1.55, 1.75, 1.7, 1.5, 1.25, 1.0, 0.85,
  0.75, 0.65, 0.5, 0.35,
];
/** Monday first; weekends are quieter. */
const WEEKLY_RAW = [1.15, 1.1, 1.05, 1.05, 1.0, 0.6, 0.55];

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
// Normalised so that `ticketsPerHour` is the long-run mean rate.
const DAILY = DAILY_RAW.map((x) => x / mean(DAILY_RAW));
const WEEKLY = WEEKLY_RAW.map((x) => x / mean(WEEKLY_RAW));
export const DAILY_MAX = Math.max(...DAILY);
export const WEEKLY_MAX = Math.max(...WEEKLY);

const OFFSET_MS: Readonly<Record<Region, number>> = Object.fromEntries(
  REGIONS.map((r) => [r, REGION_UTC_OFFSET_HOURS[r] * HOUR_MS]),
) as Record<Region, number>;

export function localMs(ms: number, region: Region): number {
  return ms + OFFSET_MS[region];
}

/** Local hour of day as a fraction, e.g. 13.5 for 13:30. */
export function localHour(ms: number, region: Region): number {
  const day = localMs(ms, region) % DAY_MS;
  return (day < 0 ? day + DAY_MS : day) / HOUR_MS;
}

/** Local day of week, Monday = 0 (1970-01-01 was a Thursday). */
export function localWeekday(ms: number, region: Region): number {
  const days = Math.floor(localMs(ms, region) / DAY_MS);
  return (((days + 3) % 7) + 7) % 7;
}

/** Daily factor with linear interpolation between hours, so rates have no steps. */
export function dailyFactor(hour: number): number {
  const h0 = Math.floor(hour) % 24;
  const f = hour - Math.floor(hour);
  return DAILY[h0] * (1 - f) + DAILY[(h0 + 1) % 24] * f;
}

export function weeklyFactor(weekday: number): number {
  return WEEKLY[weekday];
}

/** Relative arrival intensity of one region at an instant (mean 1 over a week). */
export function regionIntensity(ms: number, region: Region): number {
  return dailyFactor(localHour(ms, region)) * weeklyFactor(localWeekday(ms, region));
}

/**
 * Per-region arrival weights at an instant, written into `out` (indexed like REGIONS);
 * returns their sum, i.e. the global intensity relative to the mean.
 */
export function regionWeights(ms: number, out: number[]): number {
  let sum = 0;
  for (let i = 0; i < REGIONS.length; i++) {
    const r = REGIONS[i];
    const w = REGION_SHARE[r] * regionIntensity(ms, r);
    out[i] = w;
    sum += w;
  }
  return sum;
}

export function isBusinessHours(ms: number, region: Region): boolean {
  const wd = localWeekday(ms, region);
  if (wd >= 5) return false;
  const h = localHour(ms, region);
  return h >= 8 && h < 18;
}

/** The next weekday 08:00 local at or after `ms`. */
export function nextBusinessStart(ms: number, region: Region): number {
  if (isBusinessHours(ms, region)) return ms;
  const off = OFFSET_MS[region];
  const local = ms + off;
  let dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  let candidate = dayStart + 8 * HOUR_MS;
  if (candidate <= local) {
    dayStart += DAY_MS;
    candidate = dayStart + 8 * HOUR_MS;
  }
  while (localWeekday(candidate - off, region) >= 5) candidate += DAY_MS;
  return candidate - off;
}

/** Customers rarely write between 23:00 and 07:00 local. */
export function isCustomerNight(ms: number, region: Region): boolean {
  const h = localHour(ms, region);
  return h >= 23 || h < 7;
}

/** The next 07:00 local after `ms`. */
export function nextMorning(ms: number, region: Region): number {
  const off = OFFSET_MS[region];
  const local = ms + off;
  let candidate = Math.floor(local / DAY_MS) * DAY_MS + 7 * HOUR_MS;
  if (candidate <= local) candidate += DAY_MS;
  return candidate - off;
}
