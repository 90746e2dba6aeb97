// The pull API over an in-memory snapshot: no ClickHouse needed.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../api/error-handler.ts';
import { routingRoutes } from '../../api/routes/routing.ts';
import { ErrorResponse } from '../../api/schemas.ts';
import { planWeights, RoutingSnapshotStore, type GroupInput, type WeightSnapshot } from '../../processors/agents/index.ts';
import { scoreAgents, type AgentSkillMetrics } from '../../processors/agents/index.ts';

const RULES = { floorFactor: 0.25, capFactor: 3, maxStepFactor: 0.5, sharpness: 1, publishEpsilon: 0.0005 };

function groups(zA: number, withC = true): GroupInput[] {
  const m = (agent_id: string, z: number) => ({ agent_id, z, score: 0.5, tickets: 5, open_tickets: 1, capacity: 10 });
  return [
    { team: 'tech', skill: 'software_fault', members: [m('agent-a', zA), m('agent-b', 0), ...(withC ? [m('agent-c', -1)] : [])] },
    { team: 'billing', skill: 'refund', members: [m('agent-d', 0), m('agent-e', 0.3)] },
  ];
}

function metricsRow(agent: string, skill: string, window: number): AgentSkillMetrics {
  return {
    window_days: window, agent_id: agent, skill, team: 'tech', last_seen_ms: 0, tickets: 12, settled: 10, resolved: 9, reopened: 1,
    transfers_out: 0, csat_n: 4, csat_good: 3, csat_sum: 17, sla_n: 0, sla_met: 0, frt_n: 10, frt_mean: 0.1, frt_m2: 3,
    frt_typical_s: 600, handle_n: 9, handle_mean: -0.2, handle_m2: 4, handle_typical_s: 3600,
  };
}

describe('GET /v1/routing/weights and /v1/agents/:id/scores', () => {
  let app: FastifyInstance;
  const store = new RoutingSnapshotStore();
  let v1: WeightSnapshot;

  beforeAll(async () => {
    v1 = planWeights({ groups: groups(1), previous: null, rules: RULES, now: Date.UTC(2026, 10, 1), skillDimension: 'category', tombstoneMs: 86_400_000 }).snapshot!;
    store.publishWeights(v1);
    const rows = ['agent-a', 'agent-b', 'agent-c'].flatMap((a) => [metricsRow(a, 'software_fault', 7), metricsRow(a, 'software_fault', 30)]);
    const { scores } = scoreAgents(rows, {
      weights: { resolution: 1, reopen: 1, csat: 1, firstResponse: 1, handleTime: 1, sla: 1 },
      credibleLevel: 0.9,
      bounds: { min: 2, max: 500, fallback: 20, minPopulation: 3 },
    });
    store.publishScores({ computed_at: Date.UTC(2026, 10, 1), skill_dimension: 'category', windows: [7, 30], routing_window_days: 30, time_basis: 'wall_clock', scores });
    app = Fastify({ logger: false });
    app.addSchema(ErrorResponse);
    installErrorHandler(app);
    await app.register(routingRoutes, { routing: store });
    await app.ready();
  });
  afterAll(async () => app.close());

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('answers the current version with an ETag, and 304 for If-None-Match', async () => {
    const res = await get('/v1/routing/weights?skill=software_fault&team=tech');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = res.json();
    expect(body).toMatchObject({ version: 1, full: true, since_version: null, skill_dimension: 'category' });
    expect(body.weights.map((w: { agent_id: string }) => w.agent_id)).toEqual(['agent-a', 'agent-b', 'agent-c']);
    expect(body.weights.reduce((s: number, w: { weight: number }) => s + w.weight, 0)).toBeCloseTo(1, 12);
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"w1-/);
    const again = await get('/v1/routing/weights?skill=software_fault&team=tech', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await get('/v1/routing/weights?skill=software_fault&team=tech', { 'if-none-match': `W/${etag}, "x"` })).statusCode).toBe(304);
    // Another filter is another representation.
    const other = await get('/v1/routing/weights?team=billing', { 'if-none-match': etag });
    expect(other.statusCode).toBe(200);
    expect(other.json().weights).toHaveLength(2);
  });

  it('a new version changes the ETag; since_version returns only what changed', async () => {
    const before = await get('/v1/routing/weights');
    const v2 = planWeights({ groups: groups(3, false), previous: v1, rules: RULES, now: Date.UTC(2026, 10, 2), skillDimension: 'category', tombstoneMs: 86_400_000 * 30 }).snapshot!;
    expect(v2.version).toBe(2);
    expect(store.publishWeights(v2)).toBe(true);
    expect(store.publishWeights(v1)).toBe(false); // versions only move forward

    const after = await get('/v1/routing/weights', { 'if-none-match': before.headers.etag as string });
    expect(after.statusCode).toBe(200);
    expect(after.json().version).toBe(2);

    const delta = await get('/v1/routing/weights?since_version=1');
    const d = delta.json();
    expect(d).toMatchObject({ version: 2, full: false, since_version: 1 });
    // Only the tech group changed: a, b re-weighted and c removed (a tombstone); billing untouched.
    expect(d.weights.map((w: { agent_id: string; active: boolean }) => `${w.agent_id}:${w.active}`)).toEqual(['agent-a:true', 'agent-b:true', 'agent-c:false']);
    expect(d.weights.every((w: { changed_in: number }) => w.changed_in === 2)).toBe(true);
    const none = await get('/v1/routing/weights?since_version=2');
    expect(none.json().weights).toEqual([]);
    const everything = await get('/v1/routing/weights?since_version=0');
    expect(everything.json().weights).toHaveLength(5);
  });

  it('answers a since_version older than what it can diff with the full snapshot', async () => {
    const v2 = store.weightSnapshot()!;
    const v3 = planWeights({ groups: groups(0, false), previous: v2, rules: { ...RULES, maxStepFactor: 10 }, now: Date.UTC(2027, 0, 1), skillDimension: 'category', tombstoneMs: 86_400_000 }).snapshot!;
    expect(v3.resync_below).toBe(2);
    store.publishWeights(v3);
    const res = (await get('/v1/routing/weights?since_version=1')).json();
    expect(res.full).toBe(true);
    expect(res.weights.some((w: { agent_id: string }) => w.agent_id === 'agent-d')).toBe(true);
  });

  it("GET /v1/agents/:id/scores: every window and skill, the agent's weights, 304 on repeat", async () => {
    const res = await get('/v1/agents/agent-a/scores');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ agent_id: 'agent-a', team: 'tech', time_basis: 'wall_clock', routing_window_days: 30 });
    expect(body.scores.map((s: { window_days: number }) => s.window_days)).toEqual([7, 30]);
    expect(body.scores[0].resolution).toMatchObject({ k: 9, n: 10 });
    expect(body.scores[0].composite.lo).toBeLessThanOrEqual(body.scores[0].composite.score);
    expect(body.weights[0]).toMatchObject({ team: 'tech', skill: 'software_fault' });
    expect((await get('/v1/agents/agent-a/scores', { 'if-none-match': res.headers.etag as string })).statusCode).toBe(304);
    const only30 = (await get('/v1/agents/agent-a/scores?window_days=30')).json();
    expect(only30.scores).toHaveLength(1);
  });

  it('unknown agent → 404', async () => {
    const res = await get('/v1/agents/agent-zz/scores');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found' });
  });

  it('bad skill / team / since_version / window_days → 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/routing/weights?skill=no_such_skill', 'skill'],
      ['/v1/routing/weights?team=no-such-team', 'team'],
      ['/v1/routing/weights?team=%01bad', 'team'],
      ['/v1/routing/weights?skill=', 'skill'],
      [`/v1/routing/weights?skill=${'x'.repeat(300)}`, 'skill'],
      ['/v1/routing/weights?since_version=abc', 'since_version'],
      ['/v1/routing/weights?since_version=-1', 'since_version'],
      ['/v1/agents/agent-a/scores?window_days=9', 'window_days'],
    ];
    for (const [url, field] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.field, url).toBe(field);
      expect(res.json().error.message, url).toContain(field);
    }
  });
});
