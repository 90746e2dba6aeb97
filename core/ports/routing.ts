// The seam between the API and the agents processor: the API answers routing and
// score requests from an in-memory snapshot behind this interface, never from
// processors/agents internals and never with a query per request. Answers come
// pre-serialised with their ETag, because the routing core polls these endpoints
// often and a JSON.stringify per request would dominate their cost.
import Type, { type Static } from 'typebox';

export interface RoutingWeightsQuery {
  skill?: string;
  team?: string;
  /** Only entries changed after this version (a delta), unless it is too old to answer as one. */
  sinceVersion?: number;
}

export interface AgentScoresQuery {
  windowDays?: number;
  skill?: string;
}

/** A ready answer: the body as JSON text and its strong ETag (quoted). */
export interface PreparedResponse {
  etag: string;
  body: string;
  /** The body as UTF-8 bytes, when the port keeps them (saves an encode per request). */
  bytes?: Buffer;
}

export interface RoutingPort {
  /** The published weights version (0 before the first publication). */
  currentVersion(): number;
  /**
   * Weights filtered by skill and/or team. Throws a TicketPulseError `bad_request`
   * naming the parameter (`field`: skill | team | since_version) when a filter names
   * nothing the snapshot knows.
   */
  weights(query: RoutingWeightsQuery): PreparedResponse;
  /** An agent's latest scores, or null for an agent the snapshot does not know. */
  agentScores(agentId: string, query: AgentScoresQuery): PreparedResponse | null;
}

const Interval = { lo: Type.Number(), hi: Type.Number() };

export const RoutingWeightDtoSchema = Type.Object({
  team: Type.String(),
  skill: Type.String(),
  agent_id: Type.String(),
  /** Share of the (team, skill)'s new tickets; the active weights of a group sum to 1. */
  weight: Type.Number(),
  previous_weight: Type.Number(),
  score: Type.Number({ description: 'composite skill score in (0, 1); 0.5 = the skill’s typical agent' }),
  score_z: Type.Number(),
  tickets: Type.Integer(),
  open_tickets: Type.Integer(),
  capacity: Type.Integer(),
  /** false: the agent left this (team, skill) in `changed_in`; weight is 0. */
  active: Type.Boolean(),
  changed_in: Type.Integer(),
  changed_at: Type.String(),
});

export const RoutingWeightsResponseSchema = Type.Object({
  version: Type.Integer(),
  published_at: Type.Union([Type.String(), Type.Null()]),
  skill_dimension: Type.String(),
  /** false when the answer is a delta (since_version). */
  full: Type.Boolean(),
  since_version: Type.Union([Type.Integer(), Type.Null()]),
  weights: Type.Array(RoutingWeightDtoSchema),
});
export type RoutingWeightsResponse = Static<typeof RoutingWeightsResponseSchema>;

const RateDto = Type.Object({ k: Type.Integer(), n: Type.Integer(), raw: Type.Union([Type.Number(), Type.Null()]), mean: Type.Number(), ...Interval });
const TimeDto = Type.Object({ n: Type.Integer(), typical_minutes: Type.Union([Type.Number(), Type.Null()]), ratio: Type.Number(), ...Interval });

export const AgentSkillScoreDtoSchema = Type.Object({
  skill: Type.String(),
  team: Type.String(),
  window_days: Type.Integer(),
  tickets: Type.Integer(),
  transfers_out: Type.Integer(),
  csat_mean: Type.Union([Type.Number(), Type.Null()]),
  composite: Type.Object({ score: Type.Number(), z: Type.Number(), ...Interval }),
  resolution: RateDto,
  reopen: RateDto,
  csat: RateDto,
  sla: Type.Union([RateDto, Type.Null()]),
  first_response: TimeDto,
  handle_time: TimeDto,
});

export const AgentScoresResponseSchema = Type.Object({
  agent_id: Type.String(),
  team: Type.String(),
  computed_at: Type.String(),
  version: Type.Integer(),
  skill_dimension: Type.String(),
  time_basis: Type.String({ description: 'business (from ticket_sla) or wall_clock' }),
  routing_window_days: Type.Integer(),
  scores: Type.Array(AgentSkillScoreDtoSchema),
  weights: Type.Array(RoutingWeightDtoSchema),
});
export type AgentScoresResponse = Static<typeof AgentScoresResponseSchema>;
