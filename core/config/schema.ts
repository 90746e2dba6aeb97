// The configuration schema: the only source of the Config type and of the defaults.
// Every key has a default, so TicketPulse runs with no file at all (embedded mode).
import Type, { type Static } from 'typebox';

const PositiveInt = (def: number, max = Number.MAX_SAFE_INTEGER) => Type.Integer({ minimum: 1, maximum: max, default: def });

export const ClickHouseConfigSchema = Type.Object(
  {
    /** Unset → the embedded chDB engine under `${dataDir}/clickhouse`. */
    url: Type.Optional(Type.String({ pattern: '^https?://', description: 'ClickHouse HTTP(S) URL' })),
    user: Type.String({ default: 'default' }),
    password: Type.String({ default: '' }),
    database: Type.String({ default: 'default', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    /** When set, migrations render ON CLUSTER and Replicated* engines. */
    cluster: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.{}-]+$' })),
    requestTimeoutMs: PositiveInt(300_000),
  },
  { additionalProperties: false, default: {} },
);

export const RetentionConfigSchema = Type.Object(
  {
    /** Raw event log retention; regulated industries keep years (default 5). */
    eventsDays: PositiveInt(1825, 36_500),
    deadLettersDays: PositiveInt(90, 36_500),
  },
  { additionalProperties: false, default: {} },
);

export const KafkaConfigSchema = Type.Object(
  {
    /** Empty → no Kafka consumer (HTTP ingest only). */
    brokers: Type.Array(Type.String({ pattern: '^[^\\s,]+:[0-9]+$' }), { default: [] }),
    topics: Type.Array(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$' }), { default: ['ticket-events'], minItems: 1 }),
    groupId: Type.String({ default: 'ticketpulse-ingest', minLength: 1 }),
    clientId: Type.String({ default: 'ticketpulse', minLength: 1 }),
  },
  { additionalProperties: false, default: {} },
);

export const ApiConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    /** Request body limit for POST /v1/events. */
    bodyLimitBytes: PositiveInt(16 * 1024 * 1024, 1024 * 1024 * 1024),
  },
  { additionalProperties: false, default: {} },
);

export const IngestConfigSchema = Type.Object(
  {
    batchRows: PositiveInt(10_000, 1_000_000),
    flushIntervalMs: PositiveInt(1_000, 600_000),
    /** Attempts per insert before the writer gives up and reports the batch failed. */
    maxAttempts: PositiveInt(8, 1_000),
    retryBaseMs: PositiveInt(100, 60_000),
    retryMaxMs: PositiveInt(10_000, 600_000),
  },
  { additionalProperties: false, default: {} },
);

export const SimulatorConfigSchema = Type.Object(
  {
    seed: Type.Integer({ default: 42 }),
    speed: Type.Number({ exclusiveMinimum: 0, default: 60 }),
    ticketsPerHour: Type.Number({ exclusiveMinimum: 0, default: 400 }),
    agents: PositiveInt(40, 100_000),
    /** Hours of history the demo replays at speed before catching up with now. */
    historyHours: Type.Number({ minimum: 0, default: 24 }),
    incident: Type.Boolean({ default: true }),
    invalidRate: Type.Number({ minimum: 0, maximum: 1, default: 0.002 }),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './data', minLength: 1 }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    clickhouse: ClickHouseConfigSchema,
    retention: RetentionConfigSchema,
    kafka: KafkaConfigSchema,
    api: ApiConfigSchema,
    ingest: IngestConfigSchema,
    simulator: SimulatorConfigSchema,
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type ClickHouseConfig = Static<typeof ClickHouseConfigSchema>;
export type IngestConfig = Static<typeof IngestConfigSchema>;
export type SimulatorConfig = Static<typeof SimulatorConfigSchema>;
