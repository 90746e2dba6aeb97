// The `agents` section: agent metrics, skill scores, routing weights and their feed.
// Every key has a default, so the section can be left out entirely. The formulas
// these settings feed are in docs/routing.md.
import Type, { type Static } from 'typebox';

/** Ticket columns that can serve as the skill dimension or a case-mix dimension. */
export const AGENT_DIMENSION_COLUMNS = ['category', 'product', 'channel', 'priority', 'region', 'customer_tier', 'tenant'] as const;
export type AgentDimensionColumn = (typeof AGENT_DIMENSION_COLUMNS)[number];

// A column name, or `attributes.<key>` for a value the ticketing core sends as an attribute.
const DIMENSION_PATTERN = `^(${AGENT_DIMENSION_COLUMNS.join('|')}|attributes\\.[A-Za-z0-9_.:-]{1,128})$`;
const Dimension = (def: string) => Type.String({ pattern: DIMENSION_PATTERN, default: def });
const Weight = (def: number) => Type.Number({ minimum: 0, maximum: 100, default: def });

export const AgentScoreWeightsSchema = Type.Object(
  {
    resolution: Weight(0.15),
    reopen: Weight(0.15),
    csat: Weight(0.25),
    firstResponse: Weight(0.15),
    handleTime: Weight(0.2),
    sla: Weight(0.1),
  },
  { additionalProperties: false, default: {} },
);

export const AgentsConfigSchema = Type.Object(
  {
    /** Off → no recompute, no schedule, no feed (the API still answers from the last stored version). */
    enabled: Type.Boolean({ default: true }),
    /** node-cron expression (UTC) for the scheduled recompute. */
    schedule: Type.String({ minLength: 9, default: '*/15 * * * *' }),
    /** What a "skill" is: a ticket column, or `attributes.<key>`. */
    skillDimension: Dimension('category'),
    /** Sliding windows (days) the metrics and scores are computed over. */
    windowsDays: Type.Array(Type.Integer({ minimum: 1, maximum: 365 }), { minItems: 1, maxItems: 4, default: [7, 30] }),
    /** The window that drives routing weights and coaching insights; must be one of windowsDays. */
    routingWindowDays: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
    /** An agent with no event for this long is no longer eligible for routing. */
    activeDays: Type.Integer({ minimum: 1, maximum: 365, default: 14 }),
    /**
     * Time metrics are compared within these ticket dimensions (case mix): a phone
     * ticket's first response is judged against other phone tickets, not email ones.
     */
    caseMix: Type.Array(Dimension('channel'), { maxItems: 4, default: ['channel', 'priority', 'customer_tier'] }),
    /** An open assignment younger than this does not yet count against the resolution rate. */
    openGraceHours: Type.Number({ minimum: 0, maximum: 24 * 30, default: 24 }),
    scoring: Type.Object(
      {
        weights: AgentScoreWeightsSchema,
        /** Mass of the credible intervals (e.g. 0.9 → 5th to 95th percentile). */
        credibleLevel: Type.Number({ exclusiveMinimum: 0.5, exclusiveMaximum: 1, default: 0.9 }),
        /** Bounds on the fitted prior strength (pseudo-tickets) of the Beta priors. */
        priorStrengthMin: Type.Number({ exclusiveMinimum: 0, default: 2 }),
        priorStrengthMax: Type.Number({ exclusiveMinimum: 0, default: 500 }),
        /** Prior strength used when a skill has too few agents to fit one. */
        priorStrengthFallback: Type.Number({ exclusiveMinimum: 0, default: 20 }),
        /** Agents with data a skill needs before its prior is fitted from them. */
        minPopulation: Type.Integer({ minimum: 2, default: 3 }),
      },
      { additionalProperties: false, default: {} },
    ),
    routing: Type.Object(
      {
        /** Minimum weight, as a multiple of the uniform share 1/n of the team (0..1). */
        floorFactor: Type.Number({ minimum: 0, maximum: 1, default: 0.25 }),
        /** Maximum weight, as a multiple of 1/n (≥ 1). */
        capFactor: Type.Number({ minimum: 1, maximum: 1000, default: 3 }),
        /** Largest change of one weight per version, as a multiple of 1/n. */
        maxStepFactor: Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 0.5 }),
        /** How strongly the composite score tilts the target share: exp(sharpness × z). */
        sharpness: Type.Number({ minimum: 0, maximum: 10, default: 1 }),
        /** Changes smaller than this in every weight of a (team, skill) are not published. */
        publishEpsilon: Type.Number({ minimum: 0, maximum: 0.5, default: 0.0005 }),
        /** Open tickets an agent can hold; the load factor is 1 − open / capacity. */
        defaultCapacity: Type.Integer({ minimum: 1, maximum: 100_000, default: 10 }),
        capacityByAgent: Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Integer({ minimum: 1, maximum: 100_000 }), { default: {} }),
        /** Removed agents stay in the snapshot as tombstones this long, so since_version can report the removal. */
        tombstoneDays: Type.Integer({ minimum: 1, maximum: 365, default: 7 }),
      },
      { additionalProperties: false, default: {} },
    ),
    coaching: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Rated tickets (CSAT) or settled tickets (resolution) an agent needs before an insight. */
        minSamples: Type.Integer({ minimum: 1, default: 20 }),
        /** How far (rate points) below the population the interval's upper end must lie. */
        margin: Type.Number({ minimum: 0, maximum: 1, default: 0.05 }),
        /** The same insight (agent × skill × metric) is raised at most once per this many hours. */
        cooldownHours: Type.Number({ minimum: 0, default: 24 }),
      },
      { additionalProperties: false, default: {} },
    ),
    feed: Type.Object(
      {
        /** Topic for the weight feed; used when Kafka brokers are configured. Empty → no Kafka feed. */
        kafkaTopic: Type.String({ pattern: '^[A-Za-z0-9._-]*$', default: 'ticketpulse.routing-weights' }),
        /** The routing core's webhook; unset → no webhook feed. */
        webhookUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
        /** HMAC-SHA256 key for X-TicketPulse-Signature (required with webhookUrl). */
        webhookSecret: Type.Optional(Type.String({ minLength: 16 })),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
        retryBaseMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 1_000 }),
        retryMaxMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 60_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** How long agent_scores and routing_weights snapshots are kept. */
    historyDays: Type.Integer({ minimum: 1, maximum: 36_500, default: 90 }),
  },
  { additionalProperties: false, default: {} },
);

export type AgentsConfig = Static<typeof AgentsConfigSchema>;
export type AgentScoreWeights = Static<typeof AgentScoreWeightsSchema>;
