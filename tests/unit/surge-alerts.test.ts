// volume_surge alert planning (raise while surging, clear after quiet buckets) and the
// `surge:` config section.
import { describe, expect, it } from 'vitest';
import { TicketPulseError } from '../../core/errors.ts';
import { parseSurgeConfig, planSurgeAlerts, runWindow, surgeAlertInput, surgeDedupKey, type SurgeVerdict } from '../../processors/surge/index.ts';

const BUCKET_MS = 15 * 60_000;
const T0 = Date.UTC(2026, 10, 3, 9);

function verdict(i: number, surging: boolean, over: Partial<SurgeVerdict> = {}): SurgeVerdict {
  return {
    dimension: 'region', value: 'eu-west', bucketStartMs: T0 + i * BUCKET_MS, bucketMinutes: 15, observed: surging ? 60 : 12, expected: 12,
    score: surging ? 9.3 : 0.2, ratio: surging ? 5 : 1, baselineKind: 'seasonal', baselinePoints: 12, method: 'median_mad_anscombe',
    surging, reason: surging ? 'surge' : 'normal', ...over,
  };
}

describe('planSurgeAlerts', () => {
  const opts = { clearAfterBuckets: 2, criticalScore: 8 };

  it('raises while a bucket surges, keeps it over a one-bucket dip, clears after two quiet buckets', () => {
    // One run per completed bucket, each seeing the last 4 buckets.
    const pattern = [false, false, true, true, false, true, false, false, false];
    const actions: string[] = [];
    for (let latest = 3; latest < pattern.length; latest++) {
      const window = [latest - 3, latest - 2, latest - 1, latest].map((i) => verdict(i, pattern[i]));
      const plan = planSurgeAlerts(window, T0 + latest * BUCKET_MS, opts);
      actions.push(plan.raise.length ? 'raise' : plan.quiet.length ? 'quiet' : '-');
    }
    // latest = 3..8: surging 3, quiet 4 (but 3 surged), surging 5, quiet 6 (5 surged), quiet 7+8 → clear.
    expect(actions).toEqual(['raise', 'raise', 'raise', 'raise', 'quiet', 'quiet']);
  });

  it('builds a volume_surge alert with expected vs observed, score and labels', () => {
    const input = surgeAlertInput(verdict(0, true), 8);
    expect(input).toMatchObject({
      kind: 'volume_surge',
      severity: 'critical',
      dedup_key: 'volume_surge:region:eu-west',
      subject: { type: 'region', id: 'eu-west' },
      details: { observed: 60, expected: 12, score: 9.3, ratio: 5, bucket_minutes: 15 },
      labels: { dimension: 'region', value: 'eu-west', region: 'eu-west', baseline: 'seasonal' },
    });
    expect(input.summary).toMatch(/60 tickets in 15 min against 12 expected \(5\.0×\)/);
    expect(surgeAlertInput(verdict(0, true, { score: 5 }), 8).severity).toBe('warning');
    expect(surgeDedupKey('cluster', 'c-1')).toBe('volume_surge:cluster:c-1');
  });
});

describe('surge config', () => {
  it('has defaults for every key', () => {
    const c = parseSurgeConfig();
    expect(c).toMatchObject({
      enabled: true, schedule: '*/15 * * * *', bucketMinutes: 15, minVolume: 10, scoreThreshold: 4, baselineWeeks: 4, minBaselineWeeks: 2,
      dimensions: ['category', 'product', 'region', 'channel', 'tenant'],
    });
  });

  it('rejects a bucket that does not divide a day, an unknown dimension, inconsistent weeks', () => {
    const field = (section: unknown) => {
      try {
        parseSurgeConfig(section);
      } catch (err) {
        return (err as TicketPulseError).field;
      }
      return null;
    };
    expect(field({ bucketMinutes: 7 })).toMatch(/^surge\.bucketMinutes/);
    expect(field({ dimensions: ['agent'] })).toMatch(/^surge\.dimensions/);
    expect(field({ baselineWeeks: 1, minBaselineWeeks: 2 })).toBe('surge.minBaselineWeeks');
  });

  it('a run reads only the evaluated window, its recent hours and the same window in past weeks', () => {
    const c = parseSurgeConfig();
    const now = T0 + 7 * 60_000; // mid-bucket: only complete buckets are judged
    const w = runWindow(now, c);
    expect(w.toMs).toBe(T0);
    expect(w.fromMs).toBe(T0 - 4 * BUCKET_MS);
    expect(w.ranges).toHaveLength(1 + c.baselineWeeks);
    expect(w.ranges[0]).toEqual([w.fromMs - 3 * 3_600_000, T0]);
    expect(w.ranges[1]).toEqual([w.fromMs - 7 * 86_400_000 - BUCKET_MS, T0 - 7 * 86_400_000 + BUCKET_MS]);
  });
});
