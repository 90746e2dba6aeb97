// GET /v1/surges over a fake port: parameter validation (400 naming the parameter)
// and what reaches the port.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../api/error-handler.ts';
import { surgesRoutes } from '../../api/routes/surges.ts';
import { ErrorResponse } from '../../api/schemas.ts';
import type { ListSurgesQuery, SurgesPort } from '../../core/ports/surges.ts';

const NOW = Date.UTC(2026, 10, 20, 12);

describe('GET /v1/surges', () => {
  let app: FastifyInstance;
  const seen: ListSurgesQuery[] = [];
  const port: SurgesPort = {
    async list(query) {
      seen.push(query);
      return {
        since: new Date(query.since).toISOString(),
        surges: [
          {
            dimension: 'region', value: 'eu-west', bucket_start: '2026-11-20T10:00:00.000Z', bucket_end: '2026-11-20T10:15:00.000Z', bucket_minutes: 15,
            observed: 60, expected: 12, score: 9.3, ratio: 5, method: 'median_mad_anscombe', baseline_kind: 'seasonal', baseline_points: 12,
            status: 'surging', detected_at: '2026-11-20T10:15:02.000Z',
          },
        ],
      };
    },
  };

  beforeAll(async () => {
    app = Fastify({ logger: false });
    app.addSchema(ErrorResponse);
    installErrorHandler(app);
    await app.register(surgesRoutes, { surges: port, now: () => NOW });
    await app.ready();
  });
  afterAll(async () => app.close());

  const get = (url: string) => app.inject({ method: 'GET', url });

  it('defaults to the last 24 hours, all dimensions', async () => {
    const res = await get('/v1/surges');
    expect(res.statusCode).toBe(200);
    expect(res.json().surges[0]).toMatchObject({ dimension: 'region', value: 'eu-west', observed: 60, expected: 12 });
    expect(seen.at(-1)).toEqual({ since: NOW - 86_400_000, limit: 200 });
  });

  it('passes since (ISO or relative) and dimension (comma-separated) through', async () => {
    expect((await get('/v1/surges?since=2026-11-19T00:00:00Z&dimension=region,cluster')).statusCode).toBe(200);
    expect(seen.at(-1)).toEqual({ since: Date.UTC(2026, 10, 19), dimension: ['region', 'cluster'], limit: 200 });
    expect((await get('/v1/surges?since=6h&limit=10')).statusCode).toBe(200);
    expect(seen.at(-1)).toEqual({ since: NOW - 6 * 3_600_000, limit: 10 });
  });

  it.each([
    ['since=yesterday', 'since'],
    ['since=2026-11-19T08:00', 'since'], // local time without an offset is ambiguous on a server in another zone
    ['dimension=Region', 'dimension'],
    ['dimension=region,', 'dimension'],
    ['dimension=region&dimension=category', 'dimension'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['sinse=1h', 'sinse'],
  ])('400 naming the parameter for ?%s', async (qs, field) => {
    const before = seen.length;
    const res = await get(`/v1/surges?${qs}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe(field);
    expect(res.json().error.message).toContain(field);
    expect(seen.length).toBe(before);
  });
});
