// The push side of the routing feed: sinks (Kafka topic, signed webhook) behind an
// outbox that retries each version until acknowledged.
import type { ClickHouse } from '../../../core/clickhouse/index.ts';
import type { AgentsConfig } from '../../../core/config/agents.ts';
import { TicketPulseError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/log.ts';
import { lastDelivered, loadUpdate, recordDelivery, versionsAfter } from '../snapshot-table.ts';
import { kafkaSink } from './kafka-sink.ts';
import { RoutingFeed, type FeedSink, type FeedStore } from './outbox.ts';
import { webhookSink } from './webhook-sink.ts';

export { RoutingFeed } from './outbox.ts';
export type { FeedSink, FeedStore, RoutingFeedOptions, SinkStats } from './outbox.ts';
export { kafkaSink } from './kafka-sink.ts';
export type { KafkaSinkOptions } from './kafka-sink.ts';
export { webhookSink } from './webhook-sink.ts';
export type { WebhookSinkOptions } from './webhook-sink.ts';
export { agentMessages, webhookBody, versionKey, UPDATE_TYPE } from './payload.ts';
export { webhookSignature, verifyWebhookSignature, SIGNATURE_HEADER, TIMESTAMP_HEADER, IDEMPOTENCY_HEADER } from './signing.ts';

export function clickHouseFeedStore(ch: ClickHouse): FeedStore {
  return {
    lastDelivered: (sink) => lastDelivered(ch, sink),
    recordDelivery: (sink, version, attempts, at) => recordDelivery(ch, sink, version, attempts, at),
    versionsAfter: (version) => versionsAfter(ch, version),
    loadUpdate: (version) => loadUpdate(ch, version),
  };
}

export interface FeedFromConfigOptions {
  ch: ClickHouse;
  config: AgentsConfig;
  /** The top-level `kafka.brokers`; empty → no Kafka sink. */
  kafkaBrokers: readonly string[];
  kafkaClientId?: string;
  log?: Logger;
}

/** The sinks the configuration asks for; null when there are none. */
export function createRoutingFeed(opts: FeedFromConfigOptions): RoutingFeed | null {
  const feed = opts.config.feed;
  const sinks: FeedSink[] = [];
  if (opts.kafkaBrokers.length > 0 && feed.kafkaTopic !== '') {
    sinks.push(kafkaSink({ brokers: [...opts.kafkaBrokers], topic: feed.kafkaTopic, clientId: `${opts.kafkaClientId ?? 'ticketpulse'}-routing` }));
  }
  if (feed.webhookUrl) {
    if (!feed.webhookSecret) {
      throw new TicketPulseError('config_invalid', 'agents.feed.webhookSecret is required with agents.feed.webhookUrl (the routing core verifies the signature)', {
        field: 'agents.feed.webhookSecret',
      });
    }
    sinks.push(webhookSink({ url: feed.webhookUrl, secret: feed.webhookSecret, timeoutMs: feed.timeoutMs }));
  }
  if (sinks.length === 0) return null;
  return new RoutingFeed({ sinks, store: clickHouseFeedStore(opts.ch), retryBaseMs: feed.retryBaseMs, retryMaxMs: feed.retryMaxMs, log: opts.log });
}
