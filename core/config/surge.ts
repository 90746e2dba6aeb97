// The `surge:` config section: volume-surge detection over ticket counts per time
// bucket and dimension (processors/surge, docs/root-cause.md "Surge detection").
// Every key has a default, so the section can be left out entirely.
import Type, { type Static } from 'typebox';

/** Ticket columns a surge can be detected on. Clusters come from callers as extra series. */
export const SURGE_DIMENSIONS = ['category', 'product', 'region', 'channel', 'tenant'] as const;
export type SurgeDimension = (typeof SURGE_DIMENSIONS)[number];

// Buckets must divide a day evenly, so bucket boundaries line up with hours of the
// week and "the same bucket last week" is exactly one week of buckets back.
export const SURGE_BUCKET_MINUTES = [5, 10, 15, 20, 30, 60] as const;

export const SurgeConfigSchema = Type.Object(
  {
    /** Off → no scheduled detection (the API still answers from the stored surges). */
    enabled: Type.Boolean({ default: true }),
    /** node-cron expression (UTC) for the scheduled detection run. */
    schedule: Type.String({ minLength: 9, default: '*/15 * * * *' }),
    bucketMinutes: Type.Union(SURGE_BUCKET_MINUTES.map((m) => Type.Literal(m)), { default: 15 }),
    dimensions: Type.Array(Type.Enum([...SURGE_DIMENSIONS]), {
      minItems: 0,
      uniqueItems: true,
      default: ['category', 'product', 'region', 'channel', 'tenant'],
    }),
    /** A bucket with fewer tickets than this is never a surge, however unusual (noise guard for thin series). */
    minVolume: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10 }),
    /** Robust z-score (on the variance-stabilised scale) at or above which a bucket surges. */
    scoreThreshold: Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 4 }),
    /** …and observed must also be at least this multiple of expected, so tiny relative wobbles on big series stay quiet. */
    minRatio: Type.Number({ minimum: 1, maximum: 1000, default: 1.5 }),
    /** Score at or above which the alert is critical rather than warning. */
    criticalScore: Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 8 }),
    /** Past weeks whose same hour-of-week buckets form the seasonal baseline. */
    baselineWeeks: Type.Integer({ minimum: 1, maximum: 12, default: 4 }),
    /** Fewer past weeks than this in the data → fall back to the recent baseline. */
    minBaselineWeeks: Type.Integer({ minimum: 1, maximum: 12, default: 2 }),
    /** Hours before a bucket that form the fallback (recent) baseline. */
    recentHours: Type.Number({ exclusiveMinimum: 0, maximum: 168, default: 3 }),
    /** Complete buckets re-evaluated each run, so late events still count (and a missed run catches up). */
    lookbackBuckets: Type.Integer({ minimum: 1, maximum: 96, default: 4 }),
    /** Consecutive quiet buckets before a surge alert auto-clears (hysteresis against flapping). */
    clearAfterBuckets: Type.Integer({ minimum: 1, maximum: 96, default: 2 }),
  },
  { additionalProperties: false, default: {} },
);

export type SurgeConfig = Static<typeof SurgeConfigSchema>;
