// Composes a running TicketPulse from its parts: ClickHouse, migrations, the
// batching writer, HTTP ingest and the API. Commands pick the roles they need.
import type { FastifyInstance } from 'fastify';
import { createServer, listen, shutdown } from '../api/index.ts';
import { openClickHouse, writeOwner, type ClickHouse } from '../core/clickhouse/index.ts';
import type { Config } from '../core/config/index.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { migrate, migrationsApplied } from '../core/schema/index.ts';
import { BatchWriter, ClickHouseInserter, HttpIngestor, type FlushReport } from '../ingest/index.ts';
import { sharedMetricsRegistry } from '../core/metrics.ts';
import type { AlertDto } from '../core/ports/alerts.ts';
import { readOnlyPorts, startProcessors, type Processors } from './processors.ts';
import { startKafkaIngest, startLagRecorder, type KafkaIngest } from '../ingest/kafka/index.ts';

export interface Runtime {
  config: Config;
  log: Logger;
  ch: ClickHouse;
  writer: BatchWriter;
  server: FastifyInstance | null;
  apiUrl: string | null;
  processors: Processors | null;
  kafka: KafkaIngest | null;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  command: string;
  api: boolean;
  /** Run the processors (scheduled jobs, alert delivery) in this process. */
  processors: boolean;
  /** Consume Kafka when brokers are configured. */
  kafka?: boolean;
  onAlert?: (alert: AlertDto) => void;
}

export function schemaContext(config: Config) {
  return { cluster: config.clickhouse.cluster ?? null, retention: config.retention };
}

export async function openAndMigrate(config: Config, command: string, log: Logger): Promise<ClickHouse> {
  const ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir: config.dataDir, command });
  try {
    const result = await migrate(ch, schemaContext(config));
    for (const m of result.applied) log.info({ migration: `${m.version}_${m.name}` }, 'migration applied');
    for (const t of result.retentionChanged) log.info({ table: t }, 'retention TTL updated from configuration');
  } catch (err) {
    await ch.close();
    throw err;
  }
  return ch;
}

export function createWriter(config: Config, ch: ClickHouse, log: Logger, onFlush?: (report: FlushReport) => void): BatchWriter {
  return new BatchWriter({
    inserter: new ClickHouseInserter(ch),
    ...config.ingest,
    onFlush,
    onRetry: ({ attempt, delayMs, error }) => log.warn({ attempt, delayMs, err: error }, 'insert failed; retrying'),
  });
}

export async function startRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const log = createLogger(config.logLevel);
  const ch = await openAndMigrate(config, opts.command, log);
  // SLA clocks are recomputed as events arrive (debounced), not only on schedule; the
  // processors start after the writer, so the hook is bound late.
  let onEventsStored = () => {};
  const writer = createWriter(config, ch, log, (r) => {
    if (r.events > 0) onEventsStored();
  });
  const processors = opts.processors ? await startProcessors(config, ch, log, { onAlert: opts.onAlert }) : null;
  if (processors) onEventsStored = () => processors.sla.onEventsStored();
  const kafka =
    opts.kafka && config.kafka.brokers.length > 0 ? await startKafkaIngest({ config, writer, log, registry: sharedMetricsRegistry() }) : null;
  const lag = kafka ? startLagRecorder({ ch, status: () => kafka.status(), intervalMs: config.kafka.lagRecordSeconds * 1000, log }) : null;
  let server: FastifyInstance | null = null;
  let apiUrl: string | null = null;
  let stopReadOnly = async () => {};
  if (opts.api) {
    const readOnly = processors ? null : await readOnlyPorts(config, ch, log);
    if (readOnly) stopReadOnly = readOnly.stop;
    const ports = processors?.ports ?? readOnly!.ports;
    server = await createServer({
      logLevel: config.logLevel,
      app: {
        ch,
        ingestor: new HttpIngestor(writer),
        config: config.api,
        metrics: sharedMetricsRegistry(),
        ...ports,
        readiness: [
          { name: 'clickhouse', check: () => ch.ping() },
          { name: 'migrations', check: () => migrationsApplied(ch) },
          ...(kafka ? [{ name: 'kafka', check: async () => kafka.status().ready }] : []),
        ],
      },
    });
    apiUrl = await listen(server, config.api.host, config.api.port);
    if (ch.mode === 'embedded') {
      writeOwner(config.dataDir, { pid: process.pid, command: opts.command, startedAt: new Date().toISOString(), apiUrl });
    }
  }
  let stopping: Promise<void> | null = null;
  return {
    config,
    log,
    ch,
    writer,
    server,
    apiUrl,
    processors,
    kafka,
    stop() {
      stopping ??= (async () => {
        // The consumer first: it flushes and commits through the writer, which must still be open.
        await kafka?.stop();
        await lag?.stop();
        if (server) await shutdown(server);
        await processors?.stop();
        await stopReadOnly();
        await writer.close();
        await ch.close();
      })();
      return stopping;
    },
  };
}

/** Runs `stop` once on SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdownSignal(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`\n${signal} again: exiting without waiting\n`);
      process.exit(130);
    }
    stopping = true;
    void stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
