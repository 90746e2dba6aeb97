// POST /v1/events — a JSON array (or one event) or NDJSON. The body is kept as raw
// bytes so that malformed items can be dead-lettered exactly as received.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { EventIngestor, IngestFormat } from '../../core/ingest-port.ts';
import { TicketPulseError } from '../../core/errors.ts';
import { TicketEventSchema } from '../../core/events/index.ts';
import { ErrorResponse, documentedBody } from '../schemas.ts';

export interface EventsRouteOptions {
  ingestor: EventIngestor;
  bodyLimitBytes: number;
}

/** The event contract, named in the OpenAPI document (docs/schema.md describes the fields). */
const EventDoc = { ...TicketEventSchema, title: 'TicketEvent' };

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

const IngestResponse = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  errors: Type.Array(
    Type.Object({ index: Type.Integer(), path: Type.String(), reason: Type.String(), message: Type.String() }),
  ),
  errors_truncated: Type.Optional(Type.Boolean()),
});

export const eventsRoutes: FastifyPluginAsync<EventsRouteOptions> = async (app, opts) => {
  // Encapsulated: only this plugin's routes see JSON bodies as raw buffers.
  app.removeAllContentTypeParsers();
  const asBuffer = (_req: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body);
  app.addContentTypeParser(['application/json', ...NDJSON_TYPES], { parseAs: 'buffer', bodyLimit: opts.bodyLimitBytes }, asBuffer);

  app.post(
    '/v1/events',
    {
      bodyLimit: opts.bodyLimitBytes,
      config: { scope: 'ingest' },
      schema: {
        summary: 'Ingest ticket lifecycle events',
        description:
          'Body: a JSON array of events (or one event object) with Content-Type application/json, or one event per line with application/x-ndjson. ' +
          'Valid events are stored; invalid ones are kept in dead_letters and reported per index. Answers 202 once everything is stored.',
        tags: ['ingest'],
        ...documentedBody(
          {
            'application/json': Type.Union([Type.Array(EventDoc), EventDoc]),
            'application/x-ndjson': Type.String({ description: 'one event object per line' }),
          },
          'Ticket lifecycle events (event contract version 1)',
        ),
        response: { 202: IngestResponse, 400: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body as Buffer;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new TicketPulseError('bad_request', 'the request body is empty; send a JSON array of events or NDJSON', { field: 'body' });
      }
      const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const format: IngestFormat = NDJSON_TYPES.includes(type) ? 'ndjson' : 'json';
      const report = await opts.ingestor.ingest(body, format, request.id);
      return reply.status(202).send(report);
    },
  );
};
