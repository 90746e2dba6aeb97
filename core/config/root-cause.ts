// The `rootCause:` config section: cluster tracking over a sliding window and the
// `root_cause_batch` alert (processors/root-cause, docs/root-cause.md "Tracking and
// alerts"). Every key has a default, so the section can be left out entirely.
import Type, { type Static } from 'typebox';

/** Ticket columns that can be profiled; any other attribute name is read from the `attributes` map (e.g. product_batch). */
export const ROOT_CAUSE_COLUMNS = ['product', 'region', 'channel', 'category', 'customer_tier', 'tenant', 'priority', 'team'] as const;

const AttributeName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$' });

export const RootCauseConfigSchema = Type.Object(
  {
    /** Off → no scheduled tracking (the API still answers from the stored clusters). */
    enabled: Type.Boolean({ default: true }),
    /** node-cron expression (UTC) for the tracking run. */
    schedule: Type.String({ minLength: 9, default: '*/15 * * * *' }),
    /** Tickets created in the last this-many hours are clustered each run. */
    windowHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 14, default: 24 }),
    /** Fixed number of clusters; chosen automatically (silhouette) when absent. */
    k: Type.Optional(Type.Integer({ minimum: 2, maximum: 300 })),
    /** Clusters smaller than this are not tracked (noise). */
    minClusterSize: Type.Integer({ minimum: 2, maximum: 100_000, default: 5 }),
    /** Term-space cosine at or above which a cluster continues one of the previous run. */
    matchThreshold: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
    /** The "recent" part of the window whose rate is compared with the rest of it. */
    recentMinutes: Type.Integer({ minimum: 5, maximum: 24 * 60, default: 30 }),
    /** A cluster surges when its recent rate is at least this multiple of its earlier rate … */
    surgeRatio: Type.Number({ minimum: 1, maximum: 1000, default: 3 }),
    /** … and it gained at least this many tickets in the recent part … */
    minRecent: Type.Integer({ minimum: 1, maximum: 100_000, default: 5 }),
    /**
     * … and that many would be this unlikely at the earlier rate: the chance per run that
     * any cluster surges by chance (Poisson tail, shared among the run's clusters).
     */
    surgeAlpha: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.01 }),
    /** A surging cluster first seen less than this long ago is `emerging`. */
    emergingHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 14, default: 6 }),
    /** Recent rate below this fraction of the earlier rate → `subsiding`. */
    subsidingRatio: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
    /** Share of the surging tickets one attribute value must hold to name a root cause. */
    concentrationThreshold: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.6 }),
    /** … and it must be this many times its share of the whole window (common values explain nothing). */
    minLift: Type.Number({ minimum: 1, maximum: 1000, default: 2 }),
    /**
     * Attributes profiled and eligible as the concentrating one. `category` is left out
     * by default: it is read off the same words the clusters are made of, so every
     * defect cluster "concentrates" on product_defect and it would outrank the batch.
     */
    attributes: Type.Array(AttributeName, {
      minItems: 1,
      uniqueItems: true,
      default: ['product_batch', 'product', 'region', 'channel', 'customer_tier'],
    }),
    /** Concentrating attribute → department told to look at it (the alert's suggested owner). */
    owners: Type.Record(AttributeName, Type.String({ minLength: 1, maxLength: 128 }), {
      default: {
        product_batch: 'QA',
        product: 'QA',
        region: 'Logistics',
        channel: 'Support Operations',
        category: 'Support Operations',
        customer_tier: 'Account Management',
      },
    }),
    /** Owner when the concentrating attribute has no entry in `owners`. */
    defaultOwner: Type.String({ minLength: 1, maxLength: 128, default: 'Support Operations' }),
    /** Sample ticket subjects kept per cluster (and shown in the alert). */
    samples: Type.Integer({ minimum: 0, maximum: 50, default: 5 }),
    /** Upper bound on tickets clustered per run (the newest are kept). */
    maxTickets: Type.Integer({ minimum: 100, maximum: 1_000_000, default: 50_000 }),
    /** Growth at or above which the alert is critical rather than warning. */
    criticalGrowth: Type.Number({ minimum: 1, maximum: 10_000, default: 10 }),
    /** Same tickets + same seed → same clusters. */
    seed: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, default: 1 }),
  },
  { additionalProperties: false, default: {} },
);

export type RootCauseConfig = Static<typeof RootCauseConfigSchema>;
