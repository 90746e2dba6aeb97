// The push side: every new weights version reaches the Kafka topic (mock broker) and
// the routing core's webhook (a local receiver that records requests) once per
// version — through a receiver outage, a lost acknowledgement and a restart.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import {
  AgentsService,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  createRoutingFeed,
  parseAgentsConfig,
  verifyWebhookSignature,
  type RecomputeReport,
} from '../../processors/agents/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { randomName, startKafkaBroker, type KafkaTestBroker } from '../support/kafka-broker.ts';

const NOW = Date.UTC(2026, 10, 20);
const MIN = 60_000;
const HOUR = 60 * MIN;
const SECRET = 'routing-core-shared-secret';

interface Received {
  key: string;
  version: number;
  body: string;
  signatureOk: boolean;
  answered: number;
}

/** A routing core's webhook endpoint: records every request; its mode decides the answer. */
class Receiver {
  mode: 'up' | 'down' | 'lose-ack' = 'up';
  readonly requests: Received[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/routing/weights`;
  }

  /** Versions acknowledged with a 2xx, deduplicated by idempotency key as a real receiver would. */
  accepted(): Map<string, Received[]> {
    const out = new Map<string, Received[]>();
    for (const r of this.requests) {
      if (r.answered < 200 || r.answered >= 300) continue;
      const list = out.get(r.key) ?? [];
      list.push(r);
      out.set(r.key, list);
    }
    return out;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const header = (name: string) => String(req.headers[name.toLowerCase()] ?? '');
    const rec: Received = {
      key: header(IDEMPOTENCY_HEADER),
      version: Number(header('X-TicketPulse-Version')),
      body,
      signatureOk: verifyWebhookSignature(SECRET, header(TIMESTAMP_HEADER), body, header(SIGNATURE_HEADER)),
      answered: 0,
    };
    this.requests.push(rec);
    if (this.mode === 'down') {
      rec.answered = 503;
      res.writeHead(503).end('maintenance');
      return;
    }
    if (this.mode === 'lose-ack') {
      // Processed, but the answer never arrives: the sender must retry with the same key.
      this.mode = 'up';
      rec.answered = 1;
      req.socket.destroy();
      return;
    }
    rec.answered = 200;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let t: TestClickHouse;
let broker: KafkaTestBroker;
const topic = randomName('routing-weights');
const receiver = new Receiver();
let seq = 0;

async function insert(events: Array<Record<string, unknown>>): Promise<void> {
  const ctx = { nowMs: NOW, receivedAt: toClickHouseTime(NOW) };
  const lines = events.map((e, i) => {
    const r = processMessage(JSON.stringify(e), { source: 'file', index: i }, ctx);
    if (r.kind !== 'ok') throw new Error(`invalid test event: ${JSON.stringify(e)}`);
    return r.line;
  });
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
}

/** A ticket of `agent` in tech × software_fault, created `ago` ms before NOW; resolved unless open. */
function ticket(agent: string, ago: number, open = false): Array<Record<string, unknown>> {
  const id = `P-${seq++}`;
  const at = NOW - ago;
  const base = { ticket_id: id, channel: 'chat', priority: 'normal', category: 'software_fault' };
  const ev = (type: string, offset: number, extra: Record<string, unknown> = {}) => ({
    ...base,
    event_id: `${id}-${type}`,
    type,
    occurred_at: new Date(at + offset).toISOString(),
    ...extra,
  });
  const held = { agent_id: agent, team: 'tech' };
  const out = [ev('created', 0), ev('assigned', MIN, held), ev('agent_replied', 5 * MIN, held)];
  if (!open) out.push(ev('resolved', 30 * MIN, held), ev('closed', HOUR, held));
  return out;
}

function config() {
  return parseAgentsConfig({
    feed: { webhookUrl: receiver.url, webhookSecret: SECRET, kafkaTopic: topic, retryBaseMs: 50, retryMaxMs: 250, timeoutMs: 2_000 },
    routing: { defaultCapacity: 10 },
  });
}

function service(): AgentsService {
  const cfg = config();
  const feed = createRoutingFeed({ ch: t.ch, config: cfg, kafkaBrokers: broker.brokers, kafkaClientId: 'agents-push-test' })!;
  return new AgentsService({ ch: t.ch, config: cfg, feed });
}

const feedOf = (svc: AgentsService) => (svc as unknown as { opts: { feed: import('../../processors/agents/index.ts').RoutingFeed } }).opts.feed;

async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  [t, broker] = await Promise.all([openTestClickHouse('agents-push'), startKafkaBroker({ topics: [{ name: topic, partitions: 3 }] })]);
  await receiver.start();
  const events: Array<Record<string, unknown>> = [];
  for (const agent of ['A', 'B', 'C']) for (let i = 0; i < 6; i++) events.push(...ticket(agent, (i + 2) * 6 * HOUR));
  await insert(events);
}, 60_000);

afterAll(async () => {
  await receiver.stop();
  await broker?.stop();
  await t?.cleanup();
});

describe('routing weights feed (Kafka + signed webhook)', () => {
  const versions: number[] = [];
  const publish = async (svc: AgentsService, at: number): Promise<RecomputeReport> => {
    const r = await svc.recompute({ now: at });
    expect(r.published).toBe(true);
    versions.push(r.version);
    return r;
  };

  it('pushes each version once, in order, through an outage, a lost ack and a restart', async () => {
    const svc = service();
    await publish(svc, NOW); // v1
    await insert([...ticket('A', 2 * HOUR, true), ...ticket('A', 2 * HOUR, true), ...ticket('A', 2 * HOUR, true), ...ticket('A', 2 * HOUR, true)]);
    await publish(svc, NOW + MIN); // v2: A's queue filled up
    expect(await feedOf(svc).idle(15_000)).toBe(true);

    // The receiver is down (503): the version waits and is retried.
    receiver.mode = 'down';
    await insert(ticket('D', 3 * HOUR));
    await publish(svc, NOW + 2 * MIN); // v3: D joins
    await waitFor('retries during the outage', () => receiver.requests.filter((r) => r.answered === 503).length >= 3);
    expect(feedOf(svc).stats().find((s) => s.sink.startsWith('webhook'))!.pending).toBe(1);
    // Back up, but the first answer is lost after the receiver processed the request.
    receiver.mode = 'lose-ack';
    expect(await feedOf(svc).idle(15_000)).toBe(true);

    // A restart while the receiver is down: the next process finds the unacknowledged version.
    receiver.mode = 'down';
    await insert([...ticket('B', 2 * HOUR, true), ...ticket('B', 2 * HOUR, true), ...ticket('B', 2 * HOUR, true)]);
    await publish(svc, NOW + 3 * MIN); // v4
    await waitFor('an attempt at v4', () => receiver.requests.some((r) => r.version === versions[3]));
    await svc.close();
    receiver.mode = 'up';
    const restarted = service();
    await restarted.init();
    expect(restarted.store.currentVersion()).toBe(versions[3]);
    expect(await feedOf(restarted).idle(15_000)).toBe(true);
    await restarted.close();

    expect(versions).toEqual([1, 2, 3, 4]);
    // Webhook: every version acknowledged exactly once per idempotency key, signed, in order.
    const accepted = receiver.accepted();
    expect([...accepted.keys()]).toEqual(versions.map((v) => `routing-weights:v${v}`));
    for (const list of accepted.values()) expect(list).toHaveLength(1);
    expect(receiver.requests.every((r) => r.signatureOk)).toBe(true);
    // The lost acknowledgement made the sender repeat v3 with the same key and bytes.
    const v3 = receiver.requests.filter((r) => r.version === 3 && r.answered !== 503);
    expect(v3.length).toBe(2);
    expect(new Set(v3.map((r) => r.key)).size).toBe(1);
    expect(v3[0].body).toBe(v3[1].body);
    const body3 = JSON.parse(v3[0].body);
    expect(body3).toMatchObject({ type: 'routing_weights.updated', version: 3, previous_version: 2 });
    expect(body3.changes.map((c: { agent_id: string }) => c.agent_id)).toEqual(['A', 'B', 'C', 'D']);
    expect(body3.changes.reduce((s: number, c: { weight: number }) => s + c.weight, 0)).toBeCloseTo(1, 12);
  }, 90_000);

  it('retries Kafka through a broker outage', async () => {
    const svc = service();
    await svc.init();
    await broker.brokerDown(1);
    try {
      await insert([...ticket('C', 2 * HOUR, true), ...ticket('C', 2 * HOUR, true), ...ticket('C', 2 * HOUR, true)]);
      await publish(svc, NOW + 4 * MIN); // v5
      await waitFor('failed Kafka attempts', () => (feedOf(svc).stats().find((x) => x.sink.startsWith('kafka'))?.failedAttempts ?? 0) >= 2, 30_000);
    } finally {
      await broker.brokerUp(1);
    }
    expect(await feedOf(svc).idle(30_000)).toBe(true);
    const kafkaStats = feedOf(svc).stats().find((x) => x.sink.startsWith('kafka'))!;
    expect(kafkaStats).toMatchObject({ delivered: 1, lastDeliveredVersion: 5, pending: 0 });
    await svc.close();
    expect(versions).toEqual([1, 2, 3, 4, 5]);
    expect([...receiver.accepted().keys()].at(-1)).toBe('routing-weights:v5');
  }, 90_000);

  it('the Kafka topic holds each (version, agent) exactly once, keyed by agent', async () => {
    const kafka = new Kafka({ clientId: 'agents-push-reader', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const consumer: Consumer = kafka.consumer({ groupId: randomName('agents-push-reader') });
    const seen: Array<{ key: string; version: number; idempotencyKey: string; partition: number }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const value = JSON.parse(message.value!.toString());
        seen.push({ key: message.key!.toString(), version: value.version, idempotencyKey: String(message.headers?.['x-ticketpulse-idempotency-key']), partition });
      },
    });
    // v1: A,B,C; v2: A,B,C; v3–v5: A,B,C,D.
    try {
      await waitFor('18 feed messages', () => seen.length >= 18, 30_000);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await consumer.disconnect();
    }
    expect(seen).toHaveLength(18);
    const keys = seen.map((m) => m.idempotencyKey);
    expect(new Set(keys).size).toBe(18);
    expect(new Set(seen.map((m) => m.version))).toEqual(new Set([1, 2, 3, 4, 5]));
    for (const m of seen) expect(m.idempotencyKey).toBe(`routing-weights:v${m.version}:${m.key}`);
    // Keyed by agent: one agent's messages share a partition, in version order.
    for (const agent of ['A', 'B', 'C', 'D']) {
      const mine = seen.filter((m) => m.key === agent);
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      expect(mine.map((m) => m.version)).toEqual([...mine.map((m) => m.version)].sort((a, b) => a - b));
    }
    expect(await t.scalar("SELECT count() FROM routing_feed_deliveries FINAL WHERE sink LIKE 'kafka:%'")).toBe(5);
  }, 60_000);
});
