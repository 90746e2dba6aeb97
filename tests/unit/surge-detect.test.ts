// Pure surge detection over synthesised count series: the simulator's own daily and
// weekly rhythm per region (rhythm.ts), Poisson counts per 15-minute bucket. No
// ClickHouse and no event generation: a month of buckets is a few thousand numbers.
import { describe, expect, it } from 'vitest';
import { CATEGORIES, REGIONS, Rng } from '../../ingest/simulator/index.ts';
import { CATEGORY_WEIGHTS, CHANNEL_WEIGHTS } from '../../ingest/simulator/catalogue.ts';
import { regionWeights } from '../../ingest/simulator/rhythm.ts';
import { parseSurgeConfig } from '../../processors/surge/config.ts';
import { WEEK_MS, anscombe, detectOptionsOf, detectSurges, judge, type SeriesPoint, type SurgeVerdict } from '../../processors/surge/index.ts';

const BUCKET_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;
const TICKETS_PER_HOUR = 120; // the simulator's default organisation
const OPTS = detectOptionsOf(parseSurgeConfig({}));
const say = (line: string) => process.stdout.write(`${line}\n`);

function poisson(rng: Rng, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

interface Burst {
  region: string;
  fromMs: number;
  toMs: number;
  factor: number;
}

/**
 * Counts per bucket for region, category, channel and tenant. A burst multiplies its
 * region's rate; its extra tickets are product_defect tickets by email, as an
 * incident's would be.
 */
function synthesise(startMs: number, endMs: number, seed: number, bursts: Burst[] = []): SeriesPoint[] {
  const rng = Rng.derive(seed, 'surge-test');
  const points: SeriesPoint[] = [];
  const weights = new Array<number>(REGIONS.length).fill(0);
  const categoryTotal = CATEGORIES.reduce((s, c) => s + CATEGORY_WEIGHTS[c], 0);
  const channelTotal = Object.values(CHANNEL_WEIGHTS).reduce((s, w) => s + w, 0);
  const push = (dimension: string, value: string, bucketStartMs: number, lambda: number) => {
    const count = poisson(rng, lambda);
    if (count > 0) points.push({ dimension, value, bucketStartMs, count });
  };
  for (let b = startMs; b < endMs; b += BUCKET_MS) {
    regionWeights(b + BUCKET_MS / 2, weights);
    const perBucket = TICKETS_PER_HOUR * (BUCKET_MS / HOUR_MS);
    let total = 0;
    let extra = 0;
    REGIONS.forEach((r, i) => {
      const base = perBucket * weights[i];
      const burst = bursts.find((x) => x.region === r && b >= x.fromMs && b < x.toMs);
      const lambda = burst ? base * burst.factor : base;
      extra += lambda - base;
      total += base;
      push('region', r, b, lambda);
    });
    for (const c of CATEGORIES) push('category', c, b, (total * CATEGORY_WEIGHTS[c]) / categoryTotal + (c === 'product_defect' ? extra : 0));
    for (const [ch, w] of Object.entries(CHANNEL_WEIGHTS)) push('channel', ch, b, (total * w) / channelTotal + (ch === 'email' ? extra : 0));
    push('tenant', 'acme', b, total + extra);
  }
  return points;
}

// Monday 2026-11-02 00:00 UTC; history starts six weeks earlier.
const MONTH_START = Date.UTC(2026, 10, 2);
const HISTORY_START = MONTH_START - 2 * WEEK_MS;
const MONTH_END = MONTH_START + 4 * WEEK_MS;

describe('surge detection: the normal weekly rhythm', () => {
  it('raises (almost) nothing over a simulated month; prints the false-positive rate', () => {
    const points = synthesise(HISTORY_START, MONTH_END, 7);
    const verdicts = detectSurges({ points, evaluateFromMs: HISTORY_START, evaluateToMs: MONTH_END, historyStartMs: HISTORY_START }, OPTS);
    const seasonal = verdicts.filter((v) => v.bucketStartMs >= MONTH_START);
    const fallback = verdicts.filter((v) => v.bucketStartMs < MONTH_START);
    expect(seasonal.every((v) => v.baselineKind === 'seasonal')).toBe(true);
    expect(fallback.every((v) => v.baselineKind === 'recent')).toBe(true);

    const dims = new Set(seasonal.map((v) => v.dimension)).size;
    const series = new Set(seasonal.map((v) => `${v.dimension}/${v.value}`)).size;
    const fp = seasonal.filter((v) => v.surging);
    const perDimWeek = fp.length / (dims * 4);
    const perBucket = fp.length / seasonal.length;
    const fbFp = fallback.filter((v) => v.surging);
    say(
      `surge false positives, seasonal baseline, 4 weeks × ${dims} dimensions (${series} series, ${seasonal.length} series-buckets): ` +
        `${fp.length} surging buckets = ${perDimWeek.toFixed(3)} per dimension-week, ${(perBucket * 1e4).toFixed(2)} per 10k series-buckets` +
        (fp.length ? ` [${fp.map((v) => `${v.dimension}/${v.value}@${new Date(v.bucketStartMs).toISOString()} obs ${v.observed} exp ${v.expected} z ${v.score}`).join('; ')}]` : ''),
    );
    const top = seasonal.reduce((m, v) => (v.score > m.score ? v : m));
    say(`  highest score in the normal month: z ${top.score} (${top.dimension}/${top.value}, observed ${top.observed}, expected ${top.expected}); threshold ${OPTS.scoreThreshold}; ` +
        `buckets at z ≥ 3: ${seasonal.filter((v) => v.score >= 3).length}, of those ≥ minVolume: ${seasonal.filter((v) => v.score >= 3 && v.observed >= OPTS.minVolume).length}`);
    say(`  recent-hours fallback over the 2 history weeks: ${fbFp.length} surging buckets = ${(fbFp.length / (dims * 2)).toFixed(3)} per dimension-week`);
    // ≤ 1 false bucket per dimension-week, with room to spare.
    expect(perDimWeek).toBeLessThanOrEqual(0.25);
    expect(fbFp.length / (dims * 2)).toBeLessThanOrEqual(1);
  });
});

describe('surge detection: a planted 5× burst in one region', () => {
  // Tuesday of the 3rd month week, 09:07 UTC (10:07 in eu-west): mid-bucket start.
  const burstStart = MONTH_START + 2 * WEEK_MS + 24 * HOUR_MS + 9 * HOUR_MS + 7 * 60_000;
  const burst: Burst = { region: 'eu-west', fromMs: burstStart - (burstStart % BUCKET_MS), toMs: burstStart + 2 * HOUR_MS, factor: 5 };
  const points = synthesise(HISTORY_START, MONTH_END, 11, [burst]);
  const evaluate = (fromMs: number, toMs: number, historyStartMs = HISTORY_START) =>
    detectSurges({ points, evaluateFromMs: fromMs, evaluateToMs: toMs, historyStartMs }, OPTS);

  it('is detected within 2 buckets, with expected vs observed and a score', () => {
    const first = burst.fromMs;
    const verdicts = evaluate(first - 4 * BUCKET_MS, burst.toMs);
    const eu = verdicts.filter((v) => v.dimension === 'region' && v.value === 'eu-west');
    const hit = eu.find((v) => v.surging)!;
    expect(hit).toBeDefined();
    expect(hit.bucketStartMs).toBeLessThanOrEqual(first + BUCKET_MS);
    expect(hit.baselineKind).toBe('seasonal');
    expect(hit.observed).toBeGreaterThan(3 * hit.expected);
    expect(hit.score).toBeGreaterThanOrEqual(OPTS.scoreThreshold);
    // It stays a surge while it lasts, and nothing fired before it began.
    expect(eu.filter((v) => v.bucketStartMs >= first + BUCKET_MS).every((v) => v.surging)).toBe(true);
    expect(eu.filter((v) => v.bucketStartMs < first).some((v) => v.surging)).toBe(false);
    // The other regions are untouched.
    expect(verdicts.filter((v) => v.dimension === 'region' && v.value !== 'eu-west' && v.surging)).toEqual([]);
    say(`5× burst in eu-west: first surging bucket ${(hit.bucketStartMs - first) / BUCKET_MS} bucket(s) after the burst's first bucket: observed ${hit.observed}, expected ${hit.expected}, z ${hit.score}`);
  });

  it('falls back to the recent hours when history is short, and still finds it', () => {
    const historyStartMs = burst.fromMs - 2 * 24 * HOUR_MS;
    const verdicts = evaluate(burst.fromMs - 4 * BUCKET_MS, burst.toMs, historyStartMs);
    const eu = verdicts.filter((v) => v.dimension === 'region' && v.value === 'eu-west');
    expect(eu.every((v) => v.baselineKind === 'recent')).toBe(true);
    expect(eu[0].baselinePoints).toBe(12); // 3 hours of 15-minute buckets
    const hit = eu.find((v) => v.surging)!;
    expect(hit.bucketStartMs).toBeLessThanOrEqual(burst.fromMs + BUCKET_MS);
  });
});

describe('surge detection: baselines and guards', () => {
  const series = (counts: Record<number, number>) => new Map(Object.entries(counts).map(([k, v]) => [Number(k), v]));
  const T = MONTH_START + 10 * HOUR_MS;

  it('uses the same bucket of past weeks (±1 bucket) once minBaselineWeeks are covered', () => {
    const counts = new Map<number, number>();
    for (let k = 1; k <= 4; k++) for (const d of [-1, 0, 1]) counts.set(T - k * WEEK_MS + d * BUCKET_MS, 20);
    // The recent hours are quiet: a recent baseline would call 20 a surge, the seasonal one does not.
    counts.set(T, 20);
    const v = judge('region', 'eu-west', counts, T, T - 5 * WEEK_MS, OPTS);
    expect(v).toMatchObject({ baselineKind: 'seasonal', baselinePoints: 12, expected: 20, surging: false, reason: 'normal' });
    const partial = judge('region', 'eu-west', counts, T, T - WEEK_MS - BUCKET_MS, OPTS);
    expect(partial.baselineKind).toBe('recent'); // one week covered < minBaselineWeeks (2)
  });

  it('treats buckets before the data starts as unknown, not zero', () => {
    const counts = series({ [T]: 30, [T - BUCKET_MS]: 28 });
    const v = judge('region', 'eu-west', counts, T, T - BUCKET_MS, OPTS);
    expect(v).toMatchObject({ baselineKind: 'recent', baselinePoints: 1, surging: false, reason: 'no_baseline' });
  });

  it('min-volume guard: an extreme jump on a thin series stays quiet below minVolume', () => {
    const counts = new Map<number, number>();
    for (let j = 1; j <= 12; j++) counts.set(T - j * BUCKET_MS, j % 4 === 0 ? 1 : 0);
    counts.set(T, OPTS.minVolume - 1);
    const thin = judge('product', 'Niche Serum', counts, T, T - 6 * HOUR_MS, OPTS);
    expect(thin.score).toBeGreaterThan(OPTS.scoreThreshold);
    expect(thin).toMatchObject({ surging: false, reason: 'below_min_volume', observed: OPTS.minVolume - 1 });
    counts.set(T, OPTS.minVolume);
    expect(judge('product', 'Niche Serum', counts, T, T - 6 * HOUR_MS, OPTS)).toMatchObject({ surging: true, reason: 'surge' });
  });

  it('min-ratio guard: a big series moving a little is not a surge', () => {
    const counts = new Map<number, number>();
    for (let j = 1; j <= 12; j++) counts.set(T - j * BUCKET_MS, 1000 + (j % 3));
    counts.set(T, 1200); // z ≈ 6 on the Anscombe scale, but only 1.2×
    const v = judge('tenant', 'acme', counts, T, T - 6 * HOUR_MS, OPTS);
    expect(v.score).toBeGreaterThan(OPTS.scoreThreshold);
    expect(v).toMatchObject({ surging: false, reason: 'below_min_ratio' });
  });

  it('scores on the variance-stabilised scale with a Poisson floor', () => {
    const flat = new Map<number, number>();
    for (let j = 1; j <= 12; j++) flat.set(T - j * BUCKET_MS, 9);
    flat.set(T, 18);
    const v = judge('region', 'us-west', flat, T, T - 6 * HOUR_MS, OPTS);
    // MAD is 0 here; the scale floor of 1 keeps the score finite and meaningful.
    expect(v.score).toBeCloseTo(anscombe(18) - anscombe(9), 3);
    expect(v.expected).toBe(9);
    expect(v.ratio).toBe(2);
  });

  it('accepts extra series from a caller (the cluster dimension) like any other', () => {
    const points: SeriesPoint[] = [];
    for (let b = T - 6 * HOUR_MS; b < T; b += BUCKET_MS) points.push({ dimension: 'cluster', value: 'c-42', bucketStartMs: b, count: 2 });
    points.push({ dimension: 'cluster', value: 'c-42', bucketStartMs: T, count: 25 });
    const out: SurgeVerdict[] = detectSurges({ points, evaluateFromMs: T, evaluateToMs: T + BUCKET_MS, historyStartMs: T - 6 * HOUR_MS }, OPTS);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ dimension: 'cluster', value: 'c-42', surging: true, observed: 25, expected: 2 });
  });
});
