// GET /v1/routing/weights and GET /v1/agents/:id/scores — what the routing core pulls.
// Answers come pre-serialised from the in-memory snapshot (RoutingPort) with a strong
// ETag: a poll with If-None-Match gets 304 until a new version is published.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { TicketPulseError } from '../../core/errors.ts';
import {
  AgentScoresResponseSchema,
  RoutingWeightsResponseSchema,
  type PreparedResponse,
  type RoutingPort,
} from '../../core/ports/routing.ts';
import { ErrorResponse } from '../schemas.ts';

export interface RoutingRouteOptions {
  routing: RoutingPort;
}

// Printable, bounded: anything else cannot be a skill, team or agent id.
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description });

const WeightsQuery = Type.Object(
  {
    skill: Type.Optional(Name('only this skill (a value of the configured skill dimension, e.g. a category)')),
    team: Type.Optional(Name('only this team')),
    since_version: Type.Optional(Type.Integer({ minimum: 0, description: 'only entries changed after this version' })),
  },
  { additionalProperties: false },
);

const ScoresParams = Type.Object({ id: Name('agent id') });
const ScoresQuery = Type.Object(
  {
    window_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
    skill: Type.Optional(Name('only this skill')),
  },
  { additionalProperties: false },
);

const JSON_TYPE = 'application/json; charset=utf-8';

function send(request: FastifyRequest, reply: FastifyReply, answer: PreparedResponse): FastifyReply {
  reply.header('etag', answer.etag).header('cache-control', 'no-cache');
  if (matches(request.headers['if-none-match'], answer.etag)) return reply.code(304).send();
  return reply.type(JSON_TYPE).send(answer.bytes ?? answer.body);
}

/** If-None-Match: `*`, or a list of (possibly weak) tags; weak comparison as RFC 9110 asks for GET. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  for (const part of header.split(',')) {
    const tag = part.trim().replace(/^W\//, '');
    if (tag === etag) return true;
  }
  return false;
}

export const routingRoutes: FastifyPluginAsync<RoutingRouteOptions> = async (app, opts) => {
  const routing = opts.routing;

  app.get(
    '/v1/routing/weights',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Routing weights per team × skill (current version, or the changes since a version)',
        description:
          'Weights of the active agents of a (team, skill) sum to 1. With since_version, only entries changed after that version are returned ' +
          '(full: false); when since_version is too old to answer as a delta, the full snapshot is returned (full: true). ' +
          'Send If-None-Match with the last ETag to get 304 until a new version is published.',
        tags: ['routing'],
        querystring: WeightsQuery,
        response: { 200: RoutingWeightsResponseSchema, 304: Type.Null(), 400: ErrorResponse },
      },
      logLevel: 'warn',
    },
    async (request, reply) => {
      const q = request.query as { skill?: string; team?: string; since_version?: number };
      return send(request, reply, routing.weights({ skill: q.skill, team: q.team, sinceVersion: q.since_version }));
    },
  );

  app.get(
    '/v1/agents/:id/scores',
    {
      config: { scope: 'read' },
      schema: {
        summary: "An agent's skill scores (every window and skill) and current routing weights",
        tags: ['routing'],
        params: ScoresParams,
        querystring: ScoresQuery,
        response: { 200: AgentScoresResponseSchema, 304: Type.Null(), 400: ErrorResponse, 404: ErrorResponse },
      },
      logLevel: 'warn',
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const q = request.query as { window_days?: number; skill?: string };
      const answer = routing.agentScores(id, { windowDays: q.window_days, skill: q.skill });
      if (!answer) throw new TicketPulseError('not_found', `no scores for agent ${JSON.stringify(id)}`, { field: 'id' });
      return send(request, reply, answer);
    },
  );
};
