// Pushes each version to a Kafka topic, one message per changed agent keyed by agent
// id (so one agent's updates stay in order on one partition). Consumers drop repeats
// by the idempotency key header: a retried version re-sends the same keys.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { TicketPulseError, errorMessage } from '../../../core/errors.ts';
import type { RoutingUpdate } from '../types.ts';
import type { FeedSink } from './outbox.ts';
import { agentMessages } from './payload.ts';

export interface KafkaSinkOptions {
  brokers: string[];
  topic: string;
  clientId?: string;
  /** Per-request timeout; the outbox does the long-term retrying. */
  requestTimeoutMs?: number;
}

export function kafkaSink(opts: KafkaSinkOptions): FeedSink {
  const kafka = new Kafka({
    clientId: opts.clientId ?? 'ticketpulse-routing',
    brokers: opts.brokers,
    logLevel: logLevel.NOTHING,
    requestTimeout: opts.requestTimeoutMs ?? 10_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  let producer: Producer | null = null;
  let connecting: Promise<Producer> | null = null;
  const connect = (): Promise<Producer> => {
    if (producer) return Promise.resolve(producer);
    connecting ??= (async () => {
      const p = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 2 } });
      try {
        await p.connect();
      } catch (err) {
        connecting = null;
        throw err;
      }
      producer = p;
      return p;
    })();
    return connecting;
  };
  return {
    name: `kafka:${opts.topic}`,
    async deliver(update: RoutingUpdate) {
      const messages = agentMessages(update).map((m) => ({
        key: m.key,
        value: m.value,
        headers: { 'x-ticketpulse-idempotency-key': m.idempotencyKey, 'x-ticketpulse-version': String(update.version) },
      }));
      if (messages.length === 0) return;
      try {
        const p = await connect();
        await p.send({ topic: opts.topic, acks: -1, messages });
      } catch (err) {
        // A broken connection is rebuilt on the next attempt.
        const p = producer;
        producer = null;
        connecting = null;
        await p?.disconnect().catch(() => undefined);
        throw new TicketPulseError('kafka_unavailable', `routing feed to Kafka topic ${opts.topic} failed: ${errorMessage(err)}`, { cause: err, retriable: true });
      }
    },
    async close() {
      const p = producer;
      producer = null;
      connecting = null;
      await p?.disconnect().catch(() => undefined);
    },
  };
}
