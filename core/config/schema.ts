// The configuration schema: the only source of the Config type and of the defaults.
// Every key has a default, so TicketPulse runs with no file at all (embedded mode).
import Type, { type Static } from 'typebox';
import { AlertsConfigSchema } from './alerts.ts';
import { SurgeConfigSchema } from './surge.ts';
import { RootCauseConfigSchema } from './root-cause.ts';
import { AgentsConfigSchema } from './agents.ts';
import { SlaConfigSchema } from './sla.ts';

const PositiveInt = (def: number, max = Number.MAX_SAFE_INTEGER) => Type.Integer({ minimum: 1, maximum: max, default: def });
/** No leading or trailing whitespace (a stray space from an env file is a mistake, not a name). */
const NO_SURROUNDING_SPACE = '^\\S(.*\\S)?$';

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
    groupId: Type.String({ default: 'ticketpulse-ingest', minLength: 1, pattern: NO_SURROUNDING_SPACE }),
    clientId: Type.String({ default: 'ticketpulse', minLength: 1 }),
    /** Seconds between consumer-lag samples written to kafka_consumer_lag; 0 turns them off. */
    lagRecordSeconds: Type.Integer({ minimum: 0, maximum: 3_600, default: 15 }),
    /**
     * Worker threads that decode, validate and encode consumed batches; 0 (default)
     * does it on the consumer's own thread, which since the byte-level fast path costs
     * less than handing batches to a worker (docs/operations.md, "Scaling").
     */
    decodeWorkers: Type.Integer({ minimum: 0, maximum: 16, default: 0 }),
  },
  { additionalProperties: false, default: {} },
);

/** API key scopes: each route declares the one it needs (see docs/api.md). */
export const API_SCOPES = ['ingest', 'read', 'sql', 'admin'] as const;
export const ApiScopeSchema = Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('sql'), Type.Literal('admin')]);

/** One API key. Only a hash of its secret is stored; `ticketpulse keys create` prints the entry. */
export const ApiKeyEntrySchema = Type.Object(
  {
    /** The public part of the key (`tp_<id>_<secret>`), used to find the entry and in logs. */
    id: Type.String({ pattern: '^[a-z0-9]{8,32}$' }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    scopes: Type.Array(ApiScopeSchema, { minItems: 1, uniqueItems: true }),
    /** Hex SHA-256 of the secret part. The secret is 256 random bits, so a fast hash is enough. */
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** A revoked key is refused (401) like an unknown one; keep the entry to document it. */
    revoked: Type.Boolean({ default: false }),
    /** ISO-8601 instant after which the key is refused. */
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/** Limits for analysts' read-only SQL (POST /v1/sql, /clickhouse, `ticketpulse query`). */
export const SqlLimitsConfigSchema = Type.Object(
  {
    maxExecutionSeconds: PositiveInt(30, 3_600),
    maxResultRows: PositiveInt(500_000),
    maxResultBytes: PositiveInt(64 * 1024 * 1024),
    maxMemoryBytes: PositiveInt(2 * 1024 * 1024 * 1024),
    /** Queries running at once; more wait in a queue of `maxQueued`, beyond that 429. */
    maxConcurrent: PositiveInt(4, 256),
    maxQueued: Type.Integer({ minimum: 0, maximum: 10_000, default: 32 }),
    maxQueryBytes: PositiveInt(100_000, 1_000_000),
  },
  { additionalProperties: false, default: {} },
);

/** Arrow exports of the raw log and derived tables (GET /v1/export/…). */
export const ExportConfigSchema = Type.Object(
  {
    maxExecutionSeconds: PositiveInt(1_800, 86_400),
    maxMemoryBytes: PositiveInt(2 * 1024 * 1024 * 1024),
    maxConcurrent: PositiveInt(2, 64),
  },
  { additionalProperties: false, default: {} },
);

export const ApiConfigSchema = Type.Object(
  {
    /** A hostname or IP address (IPv6 without brackets, optionally with a %zone); not a URL. */
    host: Type.String({ default: '127.0.0.1', minLength: 1, pattern: '^[A-Za-z0-9._:%-]+$' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    /** Request body limit for POST /v1/events. */
    bodyLimitBytes: PositiveInt(16 * 1024 * 1024, 1024 * 1024 * 1024),
    /** Body limit for every other route that takes a body. */
    defaultBodyLimitBytes: PositiveInt(1024 * 1024, 1024 * 1024 * 1024),
    /** Longer request lines (path + query string) get 414. */
    maxUrlBytes: PositiveInt(8_192, 1_048_576),
    /** Time to receive a whole request (headers and body). */
    requestTimeoutMs: PositiveInt(60_000, 3_600_000),
    keepAliveTimeoutMs: PositiveInt(72_000, 3_600_000),
    /** Trust X-Forwarded-* from a reverse proxy (client address for logs and rate limits). */
    trustProxy: Type.Boolean({ default: false }),
    /** Serve the Swagger UI at /docs (the spec at /openapi.json is always served). */
    docsUi: Type.Boolean({ default: true }),
    auth: Type.Object(
      {
        /** Empty → no authentication; then the API refuses to listen on anything but loopback. */
        keys: Type.Array(ApiKeyEntrySchema, { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    rateLimit: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Requests per window per API key (per client address when running open). */
        max: PositiveInt(6_000),
        windowMs: PositiveInt(60_000, 86_400_000),
      },
      { additionalProperties: false, default: {} },
    ),
    cors: Type.Object(
      {
        /**
         * Browser origins allowed to call the API; empty → CORS off (no CORS headers). Each is
         * `*` or an exact origin, scheme://host[:port] with no path: CORS compares them verbatim.
         */
        origins: Type.Array(Type.String({ minLength: 1, pattern: '^(\\*|https?://[^\\s/?#]+)$' }), { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    sql: SqlLimitsConfigSchema,
    export: ExportConfigSchema,
    /**
     * Seconds a GET /v1/sla/compliance answer is served from memory to every reader with
     * the same parameters; 0 turns the cache off. POST /v1/sla/recompute empties it.
     */
    complianceCacheSeconds: Type.Integer({ minimum: 0, maximum: 3_600, default: 10 }),
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
    dataDir: Type.String({ default: './data', minLength: 1, pattern: NO_SURROUNDING_SPACE }),
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
    clickhouse: ClickHouseConfigSchema,
    retention: RetentionConfigSchema,
    kafka: KafkaConfigSchema,
    api: ApiConfigSchema,
    ingest: IngestConfigSchema,
    simulator: SimulatorConfigSchema,
    alerts: AlertsConfigSchema,
    surge: SurgeConfigSchema,
    rootCause: RootCauseConfigSchema,
    agents: AgentsConfigSchema,
    sla: SlaConfigSchema,
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type ClickHouseConfig = Static<typeof ClickHouseConfigSchema>;
export type IngestConfig = Static<typeof IngestConfigSchema>;
export type ApiConfig = Static<typeof ApiConfigSchema>;
export type ApiScope = Static<typeof ApiScopeSchema>;
export type ApiKeyEntry = Static<typeof ApiKeyEntrySchema>;
export type SqlLimitsConfig = Static<typeof SqlLimitsConfigSchema>;
export type ExportConfig = Static<typeof ExportConfigSchema>;
export type SimulatorConfig = Static<typeof SimulatorConfigSchema>;
