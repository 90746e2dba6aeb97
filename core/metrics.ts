// Prometheus metrics: one registry per process, shared by every role that runs in it
// (ingest, API, processors), so one GET /metrics shows them all. The ingest metrics
// are created once per registry, so several consumers in one process (tests, `start`)
// share the same counters.
//
// Gauges that describe live state (lag, paused partitions, in-flight rows) are not
// pushed on every change: each running consumer registers a probe, and the gauges
// read the probes when Prometheus scrapes. A stopped consumer unregisters and its
// partitions disappear from the output instead of freezing at their last value.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type MetricsRegistry = Registry;

let shared: Registry | null = null;

/** A fresh registry; with `defaultMetrics`, also process metrics (RSS, CPU, event-loop lag, GC). */
export function createMetricsRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** The process-wide registry (created on first use, with process metrics). */
export function sharedMetricsRegistry(): Registry {
  shared ??= createMetricsRegistry();
  return shared;
}

/** What a running Kafka consumer reports at scrape time. */
export interface KafkaProbe {
  /** Per assigned partition: high watermark − committed offset (messages not yet safely stored). */
  lag(): Array<{ topic: string; partition: number; lag: number }>;
  pausedPartitions(): number;
  assignedPartitions(): number;
  /** Messages consumed whose rows are not stored yet. */
  inFlightMessages(): number;
  /** Epoch seconds of the last successful offset commit, or null before the first. */
  lastCommitSeconds(): number | null;
  /** 1 while the brokers answered recently (batches, heartbeats, commits), 0 otherwise. */
  brokerReachable(): number;
}

export interface IngestMetrics {
  consumed: Counter<'topic'>;
  inserted: Counter<'topic'>;
  deadLettered: Counter<'topic' | 'reason'>;
  insertFailures: Counter<'topic'>;
  batchMessages: Histogram;
  batchDecodeSeconds: Histogram;
  batchLatencySeconds: Histogram;
  commits: Counter;
  commitFailures: Counter;
  rebalances: Counter;
  restarts: Counter;
  clientErrors: Counter;
  /** Adds a live consumer to the scrape-time gauges; returns the function that removes it. */
  addProbe(probe: KafkaProbe): () => void;
}

const cache = new WeakMap<Registry, IngestMetrics>();

/** The ingest metrics on `registry` (the shared one by default), created once per registry. */
export function ingestMetrics(registry: Registry = sharedMetricsRegistry()): IngestMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const probes = new Set<KafkaProbe>();
  const sum = (f: (p: KafkaProbe) => number) => [...probes].reduce((n, p) => n + f(p), 0);
  const registers = [registry];

  const metrics: IngestMetrics = {
    consumed: new Counter({
      name: 'ticketpulse_ingest_messages_consumed_total',
      help: 'Kafka messages handed to the ingest pipeline (valid and malformed; replays count again)',
      labelNames: ['topic'] as const,
      registers,
    }),
    inserted: new Counter({
      name: 'ticketpulse_ingest_events_inserted_total',
      help: 'Events from Kafka whose insert into ticket_events ClickHouse confirmed',
      labelNames: ['topic'] as const,
      registers,
    }),
    deadLettered: new Counter({
      name: 'ticketpulse_ingest_dead_letters_total',
      help: 'Rejected Kafka messages stored in dead_letters, by rejection reason',
      labelNames: ['topic', 'reason'] as const,
      registers,
    }),
    insertFailures: new Counter({
      name: 'ticketpulse_ingest_insert_failures_total',
      help: 'Kafka batches whose write failed after the writer retries; the batch is retried with its partition paused',
      labelNames: ['topic'] as const,
      registers,
    }),
    batchMessages: new Histogram({
      name: 'ticketpulse_ingest_batch_messages',
      help: 'Messages per Kafka fetch batch (one partition)',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000],
      registers,
    }),
    batchDecodeSeconds: new Histogram({
      name: 'ticketpulse_ingest_batch_decode_seconds',
      help: 'Time to decode, validate and encode one Kafka batch: on the consumer thread, or queueing plus decoding on a decode worker',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    }),
    batchLatencySeconds: new Histogram({
      name: 'ticketpulse_ingest_batch_latency_seconds',
      help: 'From a Kafka batch reaching the consumer to its rows being stored in ClickHouse',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    commits: new Counter({
      name: 'ticketpulse_kafka_commits_total',
      help: 'Successful offset commits (each may cover several partitions)',
      registers,
    }),
    commitFailures: new Counter({
      name: 'ticketpulse_kafka_commit_failures_total',
      help: 'Offset commits that failed (the batches are replayed by the next owner; nothing is lost)',
      registers,
    }),
    rebalances: new Counter({
      name: 'ticketpulse_kafka_rebalances_total',
      help: 'Group joins (the first join and every rebalance)',
      registers,
    }),
    restarts: new Counter({
      name: 'ticketpulse_kafka_consumer_restarts_total',
      help: 'Times the Kafka consumer crashed and was restarted',
      registers,
    }),
    clientErrors: new Counter({
      name: 'ticketpulse_kafka_client_errors_total',
      help: 'Errors logged by the Kafka client (connection failures, request timeouts, crashes)',
      registers,
    }),
    addProbe(probe) {
      probes.add(probe);
      return () => probes.delete(probe);
    },
  };

  new Gauge({
    name: 'ticketpulse_kafka_consumer_lag_messages',
    help: 'Per partition: high watermark minus committed offset (messages not yet stored and committed)',
    labelNames: ['topic', 'partition'] as const,
    registers,
    collect() {
      this.reset();
      for (const p of probes) for (const l of p.lag()) this.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
    },
  });
  new Gauge({
    name: 'ticketpulse_kafka_paused_partitions',
    help: 'Assigned partitions paused by the consumer (ClickHouse failing, back-pressure, shutdown)',
    registers,
    collect() {
      this.set(sum((p) => p.pausedPartitions()));
    },
  });
  new Gauge({
    name: 'ticketpulse_kafka_assigned_partitions',
    help: 'Partitions assigned to this process by the consumer group',
    registers,
    collect() {
      this.set(sum((p) => p.assignedPartitions()));
    },
  });
  new Gauge({
    name: 'ticketpulse_ingest_inflight_messages',
    help: 'Messages consumed whose rows ClickHouse has not confirmed yet (bounded by back-pressure)',
    registers,
    collect() {
      this.set(sum((p) => p.inFlightMessages()));
    },
  });
  new Gauge({
    name: 'ticketpulse_kafka_last_commit_timestamp_seconds',
    help: 'Unix time of the last successful offset commit (0 before the first)',
    registers,
    collect() {
      const times = [...probes].map((p) => p.lastCommitSeconds() ?? 0);
      this.set(times.length ? Math.max(...times) : 0);
    },
  });
  new Gauge({
    name: 'ticketpulse_kafka_broker_reachable',
    help: '1 while every running consumer fetches successfully, 0 while one cannot reach its brokers',
    registers,
    collect() {
      this.set(probes.size === 0 ? 0 : Math.min(...[...probes].map((p) => p.brokerReachable())));
    },
  });

  cache.set(registry, metrics);
  return metrics;
}
