// The `alerts:` config section: channels (where messages go), routes (which alerts go
// where, and who hears next when nobody acknowledges), and the delivery policy.
// Cross references (a route naming an unknown channel, a channel without a URL) are
// checked by processors/alerts (validateAlertsConfig), which a schema cannot express.
//
// Entries of `channels` carry no schema defaults on purpose: TypeBox does not apply
// defaults inside record values, so per-channel settings are optional and fall back
// to the section-wide ones in code.
import Type, { type Static } from 'typebox';

const PositiveInt = (def: number, max = Number.MAX_SAFE_INTEGER) => Type.Integer({ minimum: 1, maximum: max, default: def });

export const ALERT_LANGUAGES = ['en', 'zh'] as const;
export const CHANNEL_TYPES = ['webhook', 'slack', 'dingtalk', 'wecom'] as const;
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;

/** Channel and route names appear in metrics labels, idempotency keys and logs. */
export const CHANNEL_NAME_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';

const Language = Type.Enum([...ALERT_LANGUAGES]);
const UrlString = Type.String({ pattern: '^https?://', maxLength: 4096 });
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });

export const RateLimitSchema = Type.Object(
  {
    /** At most this many messages per channel in any window of `windowSeconds`; the rest is sent as digests. */
    maxMessages: Type.Integer({ minimum: 1, maximum: 100_000 }),
    windowSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 86_400 }),
  },
  { additionalProperties: false },
);

export const ChannelSchema = Type.Object(
  {
    type: Type.Enum([...CHANNEL_TYPES]),
    /** Endpoint: the webhook URL, Slack incoming-webhook URL, DingTalk robot URL (with access_token) or WeCom robot URL (with key). */
    url: Type.Optional(UrlString),
    /** Read the URL from this environment variable instead (robot URLs embed their token). */
    urlEnv: Type.Optional(EnvName),
    /** Webhook: HMAC key for X-TicketPulse-Signature. DingTalk: the robot's signing secret (SEC…). */
    secret: Type.Optional(Type.String({ minLength: 1 })),
    secretEnv: Type.Optional(EnvName),
    /** Overrides `alerts.language` for this channel. */
    language: Type.Optional(Language),
    /** Webhook only: extra request headers (e.g. an Authorization token). */
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,128}$' }), Type.String({ maxLength: 4096 }))),
    /** Who is @-mentioned: DingTalk mobile numbers, WeCom user ids, Slack member ids (U…). */
    mentions: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 50 })),
    /** DingTalk isAtAll, WeCom <@all>, Slack <!channel>. */
    mentionAll: Type.Optional(Type.Boolean()),
    rateLimit: Type.Optional(RateLimitSchema),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000 })),
  },
  { additionalProperties: false },
);

const MatchValues = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 1000 });

/** Every listed dimension must match (a list means any of its values); an absent dimension matches anything. */
export const RouteMatchSchema = Type.Object(
  {
    kind: Type.Optional(MatchValues),
    severity: Type.Optional(Type.Array(Type.Enum([...ALERT_SEVERITIES]), { minItems: 1, maxItems: 3 })),
    subject_type: Type.Optional(MatchValues),
    team: Type.Optional(MatchValues),
    priority: Type.Optional(MatchValues),
    tier: Type.Optional(MatchValues),
    tenant: Type.Optional(MatchValues),
    category: Type.Optional(MatchValues),
    /** Any other label the raising processor sets (e.g. `escalation: [manager]`). */
    labels: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 64 }), MatchValues)),
  },
  { additionalProperties: false },
);

export const EscalationStepSchema = Type.Object(
  {
    /** Minutes after the alert fired; notified only if it is still firing and unacknowledged then. */
    afterMinutes: Type.Number({ minimum: 0, maximum: 5_256_000 }),
    channels: Type.Array(Type.String({ pattern: CHANNEL_NAME_PATTERN }), { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);

export const RouteSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    match: Type.Optional(RouteMatchSchema),
    /** Level 1: notified when the alert fires. */
    channels: Type.Array(Type.String({ pattern: CHANNEL_NAME_PATTERN }), { minItems: 1, maxItems: 20 }),
    /** Levels 2, 3, … in order of `afterMinutes`. */
    escalate: Type.Optional(Type.Array(EscalationStepSchema, { maxItems: 10 })),
    /** Routes are tried in order and the first match wins; `continue: true` also tries the routes after this one. */
    continue: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const AlertLinksSchema = Type.Object(
  {
    /** e.g. https://desk.example.com/tickets/{ticket_id}; placeholders: ticket_id, subject_id, team, tenant, kind, alert_id. */
    ticketUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    /** e.g. https://grafana.example.com/d/ticketpulse-sla?var-team={team} */
    dashboardUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    /** e.g. https://ticketpulse.example.com/v1/alerts/{alert_id} */
    alertUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  },
  { additionalProperties: false, default: {} },
);

export const AlertDeliverySchema = Type.Object(
  {
    /** Attempts per notification before it is marked dead. */
    maxAttempts: PositiveInt(8, 1_000),
    retryBaseMs: PositiveInt(2_000, 3_600_000),
    retryMaxMs: PositiveInt(600_000, 86_400_000),
    /** Longest Retry-After honoured as given; longer ones are capped here. */
    maxRetryAfterMs: PositiveInt(3_600_000, 86_400_000),
    timeoutMs: PositiveInt(10_000, 300_000),
    /** How often the delivery loop looks for due work (raising an alert also wakes it). */
    pollIntervalMs: PositiveInt(1_000, 600_000),
    /** How often acknowledgements made by other processes (an API-only node) are picked up. */
    syncIntervalMs: PositiveInt(10_000, 3_600_000),
  },
  { additionalProperties: false, default: {} },
);

export const AlertsConfigSchema = Type.Object(
  {
    /** false: alerts are still recorded, nothing is sent. */
    enabled: Type.Boolean({ default: true }),
    language: Type.Enum([...ALERT_LANGUAGES], { default: 'en' }),
    /** IANA zone for times shown in messages (e.g. 'Asia/Shanghai'); stored times are always UTC. */
    timezone: Type.String({ minLength: 1, maxLength: 64, default: 'UTC' }),
    /** Remind the level-1 (and reached escalation) channels while firing and unacknowledged; 0 = never. */
    renotifyMinutes: Type.Number({ minimum: 0, maximum: 525_600, default: 240 }),
    /** A key that fires again this soon after resolving reopens its alert without a new message (anti-flapping). */
    cooldownMinutes: Type.Number({ minimum: 0, maximum: 525_600, default: 15 }),
    /** Tell the channels that were notified when an alert resolves. */
    notifyOnResolve: Type.Boolean({ default: true }),
    links: AlertLinksSchema,
    channels: Type.Record(Type.String({ pattern: CHANNEL_NAME_PATTERN }), ChannelSchema, { default: {} }),
    routes: Type.Array(RouteSchema, { default: [], maxItems: 1_000 }),
    delivery: AlertDeliverySchema,
    /** Default per-channel rate limit. */
    rateLimit: Type.Object(
      {
        maxMessages: PositiveInt(20, 100_000),
        windowSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 86_400, default: 60 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Alerts listed by name in one digest message (the rest are counted). */
    digestMaxItems: Type.Integer({ minimum: 0, maximum: 100, default: 10 }),
  },
  { additionalProperties: false, default: {} },
);

export type AlertsConfig = Static<typeof AlertsConfigSchema>;
export type AlertChannelConfig = Static<typeof ChannelSchema>;
export type AlertRouteConfig = Static<typeof RouteSchema>;
export type AlertRouteMatch = Static<typeof RouteMatchSchema>;
export type AlertEscalationStep = Static<typeof EscalationStepSchema>;
export type AlertDeliveryConfig = Static<typeof AlertDeliverySchema>;
export type AlertRateLimit = Static<typeof RateLimitSchema>;
export type AlertLanguage = (typeof ALERT_LANGUAGES)[number];
export type AlertChannelType = (typeof CHANNEL_TYPES)[number];
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
