// The Kafka ingest consumer: a kafkajs consumer group whose eachBatch decodes and
// validates a batch, hands the rows to the batching writer without waiting, and
// returns so the next fetch overlaps the insert. Offsets are committed explicitly
// (autoCommit off) by the batch tracker once ClickHouse confirmed the rows, in
// per-partition order. A crash between insert and commit replays the batch, and the
// replay collapses through the event_id key (DESIGN.md, "Delivery guarantees").
import { Kafka, type Batch, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import type { Config } from '../../core/config/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { ingestMetrics, type MetricsRegistry } from '../../core/metrics.ts';
import { decodeBatch, decodePacked, packBatch, type DecodedBatch, type PackedBatch } from './batch-decode.ts';
import { DecodePool } from './decode-pool.ts';
import { BatchTracker, type IngestWriter } from './batch-tracker.ts';
import { CLIENT_LOG_LEVELS, clientLogCreator } from './client-log.ts';
import { Committer } from './committer.ts';
import { IngestState } from './ingest-state.ts';
import { patchKafkajs } from './kafkajs-patches.ts';
import { resolveTuning, type KafkaIngestTuning } from './options.ts';
import { tpKey } from './partition-ledger.ts';
import { StartPositions } from './start-positions.ts';
import type { KafkaIngestStatus } from './status.ts';

export interface KafkaIngestDeps {
  /** Uses `kafka.*` (brokers, topics, groupId, clientId) and `ingest.retryBaseMs/retryMaxMs`. */
  config: Config;
  /** The batching writer (shared with HTTP ingest in `start`); `write` resolves once stored. */
  writer: IngestWriter;
  log: Logger;
  /** Where the ingest metrics live; the process-wide registry by default. */
  registry?: MetricsRegistry;
  tuning?: Partial<KafkaIngestTuning>;
}

export interface StopReport {
  /** True if every consumed batch was stored and committed before leaving the group. */
  clean: boolean;
  /** Batches left uncommitted (grace period over); the next owner replays them. */
  abandonedBatches: number;
  durationMs: number;
}

export interface KafkaIngest {
  status(): KafkaIngestStatus;
  /** Resolves on the first group join. */
  joined(): Promise<void>;
  /** Stop fetching, flush, commit, leave the group; gives up waiting after the grace period. */
  stop(opts?: { graceMs?: number }): Promise<StopReport>;
}

export async function startKafkaIngest(deps: KafkaIngestDeps): Promise<KafkaIngest> {
  patchKafkajs();
  const { config, writer } = deps;
  const k = config.kafka;
  if (k.brokers.length === 0) {
    throw new TicketPulseError('config_invalid', 'Kafka ingest needs brokers: set KAFKA_BROKERS or kafka.brokers');
  }
  const tuning = resolveTuning(config, deps.tuning);
  const metrics = ingestMetrics(deps.registry);
  const log = deps.log.child({ component: 'kafka-ingest', groupId: k.groupId });

  let consumer: Consumer | null = null;
  let wake: (() => void) | null = null;
  let resolveJoined!: () => void;
  const joinedOnce = new Promise<void>((r) => (resolveJoined = r));

  const kafka = new Kafka({
    clientId: k.clientId,
    brokers: k.brokers,
    logLevel: CLIENT_LOG_LEVELS[tuning.clientLogLevel],
    logCreator: clientLogCreator(log, (message) => {
      s.lastError = { message, at: Date.now() };
      metrics.clientErrors.inc();
    }),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    // Bounded so a commit or join stuck on a dead broker gives up and is retried by
    // us (or the crash/restart path) instead of blocking for minutes.
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8 },
  });
  const starts = new StartPositions(kafka, k.groupId, log);

  const committer = new Committer({
    commit: async (offsets) => {
      if (!consumer) throw new TicketPulseError('kafka_unavailable', 'no running consumer to commit with', { retriable: true });
      await consumer.commitOffsets(offsets);
    },
    currentEpoch: () => tracker.epoch,
    onError: (err, targets) => {
      s.commitFailures++;
      metrics.commitFailures.inc();
      log.warn({ err: errorMessage(err), partitions: targets.length }, 'offset commit failed; will retry unless the partitions moved');
    },
    retryDelayMs: 500,
  });

  const tracker: BatchTracker = new BatchTracker({
    writer,
    committer,
    metrics,
    log,
    retryBaseMs: tuning.retryBaseMs,
    retryMaxMs: tuning.retryMaxMs,
    maxInFlightMessages: tuning.maxInFlightMessages,
    maxInFlightBytes: tuning.maxInFlightBytes,
    onPauseChange: () => syncPauses(),
  });
  const s = new IngestState(k.groupId, k.topics, tracker, tuning.brokerStaleMs);
  const pool = tuning.decodeWorkers > 0 ? new DecodePool(tuning.decodeWorkers, log) : null;

  /** Applies the wanted pause state to kafkajs, partition by partition. */
  function syncPauses(): void {
    const c = consumer;
    if (!c) return;
    const pause = new Map<string, number[]>();
    const resume = new Map<string, number[]>();
    for (const { topic, partitions } of s.assignment) {
      for (const p of partitions) {
        const key = tpKey(topic, p);
        const want = s.stopping || tracker.shouldPause(topic, p);
        if (want && !s.paused.has(key)) push(pause, topic, p);
        if (!want && s.paused.has(key)) push(resume, topic, p);
      }
    }
    try {
      if (pause.size > 0) c.pause([...pause].map(([topic, partitions]) => ({ topic, partitions })));
      if (resume.size > 0) c.resume([...resume].map(([topic, partitions]) => ({ topic, partitions })));
    } catch {
      // Not running yet (or crashed): the state is re-applied on the next group join.
      return;
    }
    for (const [topic, ps] of pause) for (const p of ps) s.paused.add(tpKey(topic, p));
    for (const [topic, ps] of resume) for (const p of ps) s.paused.delete(tpKey(topic, p));
    if (s.state === 'consuming' || s.state === 'paused') {
      s.state = s.paused.size > 0 && s.paused.size === s.assignedCount ? 'paused' : 'consuming';
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    // A partition revoked by a rebalance, or a seek in progress: never process (and
    // so never commit) such a batch; the owner fetches it again.
    if (s.stopping || !payload.isRunning() || payload.isStale()) return;
    const now = Date.now();
    s.lastContactAt = now;
    s.lastFetchAt = now;
    const { topic, partition } = batch;
    const epoch = tracker.epoch;
    s.highWatermarks.set(tpKey(topic, partition), BigInt(batch.highWatermark));
    const fetched = fetchedOffsetOf(batch);

    let ledger = tracker.ledger(topic, partition);
    if (!ledger || (ledger.size === 0 && !ledger.continues(fetched))) {
      // First batch of this partition in this generation: it may only start at or
      // before the committed offset, or commits could cover rows never stored here.
      const start = await starts.safeStart(epoch, s.assignment, topic, partition);
      if (epoch !== tracker.epoch || s.stopping || !payload.isRunning()) return;
      if (start === null || fetched > start) {
        s.skippedBatches++;
        starts.invalidate(topic, partition);
        log.debug({ topic, partition, fetched: fetched.toString(), start: start?.toString() }, 'batch does not start at the committed offset; skipped');
        // The same batch comes straight back on the next fetch: do not spin on it.
        await delay(SKIP_DELAY_MS);
        return;
      }
      s.noteCommitted(topic, partition, start);
      ledger = tracker.openLedger(topic, partition, fetched);
    } else if (!ledger.continues(fetched)) {
      s.skippedBatches++;
      await delay(SKIP_DELAY_MS);
      return;
    }

    const t0 = performance.now();
    const lastOffset = batch.lastOffset();
    payload.resolveOffset(lastOffset);
    const { messages } = batch;
    let bytes = 0;
    for (const m of messages) bytes += (m.value?.length ?? 0) + 64;
    tracker.track(ledger, {
      topic,
      partition,
      epoch,
      fetchedOffset: fetched,
      nextOffset: BigInt(lastOffset) + 1n,
      messages: messages.length,
      events: 0,
      bytes,
      receivedAt: t0,
      reasons: new Map(),
      decode: decoder(topic, partition, messages, now, t0),
      rows: null,
      deadLetters: null,
      released: false,
      state: 'decoding',
      attempts: 0,
      retryTimer: null,
    });
    metrics.consumed.inc({ topic }, messages.length);
    metrics.batchMessages.observe(messages.length);

    // Back-pressure: while too much waits for ClickHouse, this handler does not return,
    // so kafkajs fetches nothing more; it heartbeats meanwhile to stay in the group, and
    // lets go at once on a rebalance or stop.
    while (tracker.isBackpressured && !s.stopping && payload.isRunning() && !payload.isStale()) {
      await tracker.whenRelieved(tuning.heartbeatInterval);
      if (tracker.isBackpressured) await payload.heartbeat().catch(() => undefined);
    }
  }

  /**
   * The pipeline step over a batch: on a decode worker when there are any, else right
   * here. For a worker the values are packed into one buffer at once, so kafkajs's
   * message objects — and the fetch response their values point into — are garbage as
   * soon as eachBatch returns instead of living (and being promoted by the GC) until
   * the worker answers.
   */
  function decoder(topic: string, partition: number, messages: KafkaMessage[], nowMs: number, t0: number): () => DecodedBatch | Promise<DecodedBatch> {
    const observe = (d: DecodedBatch) => {
      metrics.batchDecodeSeconds.observe((performance.now() - t0) / 1000);
      return d;
    };
    if (!pool) return () => observe(decodeBatch(topic, partition, messages, nowMs));
    const packed: PackedBatch = packBatch(messages);
    return () =>
      pool.decode(topic, partition, packed, nowMs).then(observe, (err: unknown) => {
        // A worker died with the batch on it: decode here instead; nothing is lost.
        log.warn({ topic, partition, err: errorMessage(err) }, 'decode worker failed; decoding the batch in process');
        return observe(decodePacked(topic, partition, packed, nowMs));
      });
  }

  function wire(c: Consumer): void {
    c.on(c.events.GROUP_JOIN, (e) => {
      const assignment = Object.entries(e.payload.memberAssignment).map(([topic, partitions]) => ({ topic, partitions: [...partitions] }));
      // kafkajs keeps pause state across rebalances; start from what it reports.
      s.assign(assignment, c.paused().map(({ topic, partitions }) => ({ topic, partitions: [...partitions] })));
      s.rebalances++;
      metrics.rebalances.inc();
      s.lastContactAt = Date.now();
      s.state = 'consuming';
      // A new generation: every batch still pending is abandoned uncommitted (and
      // replayed by whoever owns its partition now); pauses are re-applied.
      tracker.newEpoch();
      log.info({ partitions: s.assignedCount, assignment: e.payload.memberAssignment }, 'joined the consumer group');
      resolveJoined();
    });
    c.on(c.events.REBALANCING, () => {
      s.state = 'rebalancing';
      // Give in-flight batches the best chance to be stored and committed before the
      // join completes; whatever is not committed by then is abandoned and replayed.
      tracker.flushNow();
    });
    c.on(c.events.HEARTBEAT, () => {
      s.lastContactAt = Date.now();
    });
    c.on(c.events.COMMIT_OFFSETS, (e) => {
      const at = Date.now();
      s.lastCommitAt = at;
      s.lastContactAt = at;
      s.commits++;
      metrics.commits.inc();
      for (const t of e.payload.topics) {
        for (const p of t.partitions) s.noteCommitted(t.topic, Number(p.partition), BigInt(String(p.offset)));
      }
    });
    c.on(c.events.CRASH, (e) => {
      const { error, restart } = e.payload;
      log.error({ err: errorMessage(error), restart }, 'Kafka consumer crashed');
      // The generation is gone: nothing pending may be committed under it.
      s.unassign();
      tracker.newEpoch();
      if (s.stopping) return;
      s.state = 'reconnecting';
      s.restarts++;
      metrics.restarts.inc();
      // kafkajs restarts itself after retriable errors; after the others it stays
      // down, and the process must not, so we build a new consumer.
      if (!restart && consumer === c) {
        consumer = null;
        void launch();
      }
    });
  }

  async function launch(): Promise<void> {
    for (let attempt = 0; !s.stopping; attempt++) {
      if (attempt > 0 || s.restarts > 0) await sleep(tuning.restartDelayMs);
      if (s.stopping) return;
      const c = kafka.consumer({
        groupId: k.groupId,
        sessionTimeout: tuning.sessionTimeout,
        rebalanceTimeout: tuning.rebalanceTimeout,
        heartbeatInterval: tuning.heartbeatInterval,
        maxBytes: tuning.maxBytes,
        maxBytesPerPartition: tuning.maxBytesPerPartition,
        maxWaitTimeInMs: tuning.maxWaitTimeInMs,
        // kafkajs restarts itself after retriable crashes — but not once we are stopping.
        retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8, restartOnFailure: async () => !s.stopping },
      });
      wire(c);
      consumer = c;
      // stop() may run while any of these awaits is pending: it disconnects `consumer`,
      // and each step checks again, so a late-finishing connect cannot start a run.
      const abandoned = async () => {
        if (!s.stopping) return false;
        if (consumer === c) consumer = null;
        await c.disconnect().catch(() => undefined);
        return true;
      };
      try {
        await c.connect();
        if (await abandoned()) return;
        await c.subscribe({ topics: k.topics, fromBeginning: true });
        if (await abandoned()) return;
        s.state = 'joining';
        await c.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
          eachBatch,
        });
        await abandoned();
        return;
      } catch (err) {
        if (await abandoned()) return;
        log.warn({ err: errorMessage(err) }, 'cannot start the Kafka consumer; retrying');
        s.state = 'reconnecting';
        consumer = null;
        await c.disconnect().catch(() => undefined);
      }
    }
  }

  /** A delay that stop() can cut short. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  const removeProbe = metrics.addProbe(s.probe());

  let stopping$: Promise<StopReport> | null = null;
  function stop(opts: { graceMs?: number } = {}): Promise<StopReport> {
    stopping$ ??= (async () => {
      const t0 = Date.now();
      const graceMs = opts.graceMs ?? tuning.shutdownGraceMs;
      const deadline = t0 + graceMs;
      s.stopping = true;
      s.state = 'stopping';
      wake?.();
      // Stop fetching, push buffered rows out now, and wait for them to be stored and
      // committed — leaving part of the grace period for leaving the group.
      syncPauses();
      tracker.flushNow();
      const reserve = Math.min(3_000, graceMs / 4);
      const clean = await waitUntil(() => tracker.drained && committer.idle, deadline - reserve);
      const abandoned = clean ? 0 : tracker.abandonAll();
      if (!clean) log.warn({ abandoned, graceMs }, 'shutdown grace period over; uncommitted batches will be replayed by the next owner');
      await withDeadline(committer.close(), deadline);
      const c = consumer;
      consumer = null;
      if (c) await withDeadline(c.disconnect().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'disconnect failed')), deadline);
      await withDeadline(starts.close(), deadline);
      await pool?.close();
      removeProbe();
      s.state = 'stopped';
      const report = { clean, abandonedBatches: abandoned, durationMs: Date.now() - t0 };
      log.info({ ...report, consumed: tracker.counters.consumed, stored: tracker.counters.eventsStored, skippedBatches: s.skippedBatches }, 'Kafka ingest stopped');
      return report;
    })();
    return stopping$;
  }

  void launch();
  return { status: () => s.status(), joined: () => joinedOnce, stop };
}

const SKIP_DELAY_MS = 100;

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The offset the fetch asked for (kafkajs keeps it on the batch; not in its typings). */
function fetchedOffsetOf(batch: Batch): bigint {
  const fetched = (batch as Batch & { fetchedOffset?: string }).fetchedOffset;
  return BigInt(fetched ?? batch.firstOffset() ?? batch.lastOffset());
}

function push(map: Map<string, number[]>, topic: string, p: number): void {
  const list = map.get(topic);
  if (list) list.push(p);
  else map.set(topic, [p]);
}

async function waitUntil(done: () => boolean, deadline: number): Promise<boolean> {
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

async function withDeadline(p: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.catch(() => undefined),
    new Promise<void>((r) => {
      timer = setTimeout(r, Math.max(0, deadline - Date.now()));
    }),
  ]);
  clearTimeout(timer);
}
