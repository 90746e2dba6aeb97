import { describe, expect, it } from 'vitest';
import {
  agentMessages,
  agentsProcessorJob,
  parseAgentsConfig,
  startAgentsSchedule,
  type AgentsService,
  findCoachingInsights,
  RoutingFeed,
  scoreAgents,
  verifyWebhookSignature,
  versionKey,
  webhookBody,
  webhookSignature,
  type AgentSkillMetrics,
  type FeedSink,
  type FeedStore,
  type RoutingUpdate,
} from '../../processors/agents/index.ts';

function update(version: number): RoutingUpdate {
  const e = (agent_id: string, weight: number) => ({
    team: 'tech', skill: 'software_fault', agent_id, weight, previous_weight: 0.5, score: 0.6, score_z: 0.2, tickets: 3,
    open_tickets: 1, capacity: 10, active: true, changed_in: version, changed_at: 1_000 * version,
  });
  return { version, previous_version: version - 1, published_at: 1_000 * version, skill_dimension: 'category', changes: [e('a', 0.6), e('b', 0.4)] };
}

function memoryStore(initial: Record<string, number> = {}, updates: RoutingUpdate[] = []): FeedStore & { log: Array<[string, number]> } {
  const delivered = new Map(Object.entries(initial));
  const log: Array<[string, number]> = [];
  return {
    log,
    async lastDelivered(sink) {
      return delivered.get(sink) ?? null;
    },
    async recordDelivery(sink, version) {
      delivered.set(sink, version);
      log.push([sink, version]);
    },
    async versionsAfter(v) {
      return updates.map((u) => u.version).filter((x) => x > v);
    },
    async loadUpdate(v) {
      return updates.find((u) => u.version === v) ?? null;
    },
  };
}

describe('routing feed outbox', () => {
  it('delivers every version once, in order, retrying through an outage', async () => {
    const seen: number[] = [];
    let down = 3;
    const flaky: FeedSink = {
      name: 'webhook:test',
      async deliver(u) {
        if (down-- > 0) throw new Error('receiver down');
        seen.push(u.version);
      },
    };
    const store = memoryStore();
    const feed = new RoutingFeed({ sinks: [flaky], store, retryBaseMs: 5, retryMaxMs: 20 });
    await feed.start();
    feed.enqueue(update(1));
    feed.enqueue(update(2));
    feed.enqueue(update(2)); // a repeat of a queued version is ignored
    feed.enqueue(update(3));
    expect(await feed.idle(5_000)).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    expect(store.log).toEqual([['webhook:test', 1], ['webhook:test', 2], ['webhook:test', 3]]);
    expect(feed.stats()[0]).toMatchObject({ delivered: 3, failedAttempts: 3, pending: 0, lastDeliveredVersion: 3 });
    await feed.close();
  });

  it('after a restart resumes after the last acknowledged version (reloading versions from the store)', async () => {
    const seen: number[] = [];
    const sink: FeedSink = { name: 'kafka:t', deliver: async (u) => void seen.push(u.version) };
    const store = memoryStore({ 'kafka:t': 2 }, [update(1), update(2), update(3), update(4)]);
    const feed = new RoutingFeed({ sinks: [sink], store, retryBaseMs: 5, retryMaxMs: 20 });
    await feed.start();
    feed.enqueue(update(4)); // already queued from the store: not twice
    feed.enqueue(update(5));
    expect(await feed.idle(5_000)).toBe(true);
    expect(seen).toEqual([3, 4, 5]);
    await feed.close();
  });

  it('a sink with no delivery history starts with the next version', async () => {
    const seen: number[] = [];
    const store = memoryStore({}, [update(1), update(2)]);
    const feed = new RoutingFeed({ sinks: [{ name: 'w', deliver: async (u) => void seen.push(u.version) }], store, retryBaseMs: 5, retryMaxMs: 20 });
    await feed.start();
    feed.enqueue(update(3));
    await feed.idle(5_000);
    expect(seen).toEqual([3]);
    await feed.close();
  });
});

describe('feed payloads and signing', () => {
  it('signs HMAC-SHA256 over `${timestamp}.${body}` and verifies with a tolerance', () => {
    const body = webhookBody(update(7));
    const sig = webhookSignature('s3cret-s3cret-s3cret', '1700000000', body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', '1700000000', body, sig, { nowMs: 1_700_000_010_000 })).toBe(true);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', '1700000000', body + ' ', sig, { nowMs: 1_700_000_010_000 })).toBe(false);
    expect(verifyWebhookSignature('other-secret-other', '1700000000', body, sig, { nowMs: 1_700_000_010_000 })).toBe(false);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', '1700000000', body, sig, { nowMs: 1_700_001_000_000 })).toBe(false);
    expect(JSON.parse(body)).toMatchObject({ type: 'routing_weights.updated', version: 7, previous_version: 6, idempotency_key: versionKey(7) });
  });

  it('Kafka messages: one per changed agent, keyed by agent, with a per-(version, agent) idempotency key', () => {
    const msgs = agentMessages(update(9));
    expect(msgs.map((m) => m.key)).toEqual(['a', 'b']);
    expect(msgs[0].idempotencyKey).toBe('routing-weights:v9:a');
    expect(JSON.parse(msgs[1].value)).toMatchObject({ version: 9, agent_id: 'b', changes: [{ agent_id: 'b', weight: 0.4 }] });
  });
});

describe('coaching insights (agent_quality)', () => {
  const row = (agent: string, csatGood: number, csatN: number, resolved = 45, settled = 50): AgentSkillMetrics => ({
    window_days: 30, agent_id: agent, skill: 'refund', team: 'billing', last_seen_ms: 0, tickets: settled, settled, resolved, reopened: 1,
    transfers_out: 0, csat_n: csatN, csat_good: csatGood, csat_sum: csatGood * 5 + (csatN - csatGood) * 2, sla_n: 0, sla_met: 0,
    frt_n: 0, frt_mean: 0, frt_m2: 0, frt_typical_s: null, handle_n: 0, handle_mean: 0, handle_m2: 0, handle_typical_s: null,
  });
  const rows = [row('good-1', 40, 50), row('good-2', 42, 50), row('good-3', 39, 50), row('good-4', 41, 50), row('weak', 12, 40), row('few', 0, 4)];
  const opts = { weights: { resolution: 1, reopen: 1, csat: 1, firstResponse: 1, handleTime: 1, sla: 1 }, credibleLevel: 0.9, bounds: { min: 2, max: 500, fallback: 20, minPopulation: 3 } };

  it('flags an agent whose whole interval is below the skill population, with the numbers and the group', () => {
    const { scores, populations } = scoreAgents(rows, opts);
    const found = findCoachingInsights(scores, populations, { minSamples: 20, margin: 0.05, windowDays: 30, credibleLevel: 0.9, skillDimension: 'category' });
    expect(found).toHaveLength(1); // not 'few' (0/4: too few ratings), not the good ones
    const a = found[0];
    expect(a).toMatchObject({
      kind: 'agent_quality',
      severity: 'warning',
      dedup_key: 'agent_quality:weak:refund:csat',
      subject: { type: 'agent', id: 'weak' },
      labels: { agent_id: 'weak', team: 'billing', skill: 'refund', metric: 'csat', skill_dimension: 'category' },
    });
    expect(a.details.agent_n).toBe(40);
    expect(a.details.agent_k).toBe(12);
    expect(a.details.agent_hi).toBeLessThan(a.details.population_rate);
    expect(a.details.population_agents).toBe(6);
    expect(a.summary).toContain('weak (billing) is below the refund group');
    expect(a.summary).toContain('12/40 = 30%');
  });
});

describe('schedule', () => {
  it('is a ProcessorJob for the shared scheduler, reporting the run', async () => {
    const calls: number[] = [];
    const fake = {
      recompute: async ({ now }: { now?: number }) => {
        calls.push(now ?? -1);
        return { version: 7, published: true, changedEntries: 4, agents: 3, skills: 2, scoreRows: 12, insights: 1, timeBasis: 'wall_clock' };
      },
    } as unknown as AgentsService;
    const job = agentsProcessorJob(fake, parseAgentsConfig({ schedule: '*/5 * * * *' }));
    expect(job).toMatchObject({ name: 'agents', schedule: '*/5 * * * *' });
    const details = await job.run({ now: 123, trigger: 'manual', signal: new AbortController().signal });
    expect(calls).toEqual([123]);
    expect(details).toMatchObject({ version: 7, published: 1, agents: 3, insights: 1, time_basis: 'wall_clock' });
  });

  it('refuses an invalid cron expression, naming the key', () => {
    const fake = {} as AgentsService;
    expect(() => startAgentsSchedule(fake, parseAgentsConfig({ schedule: 'every fifteen' }))).toThrow(/agents\.schedule|invalid cron/);
    expect(() => parseAgentsConfig({ routing: { floorFactor: 2 } })).toThrow(/agents\.routing\.floorFactor/);
  });
});
