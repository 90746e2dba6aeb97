// Long-running commands: demo, start, simulate.
import { Command, Option } from 'commander';
import type { Config } from '../../core/config/index.ts';
import { errorMessage } from '../../core/errors.ts';
import { fmt } from '../../core/progress.ts';
import { writerSink } from '../../ingest/index.ts';
import { createSimulation, runSimulation, fileSink, httpSink, kafkaSink, type EventSink, type Simulation } from '../../ingest/simulator/index.ts';
import { configFrom, intArg, numberArg } from '../options.ts';
import { createWriter, onShutdownSignal, openAndMigrate, startRuntime, type Runtime } from '../runtime.ts';
import { createLogger } from '../../core/log.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const HOUR = 3_600_000;
/** The demo replays all but the last PACED_HOURS of history at once, then paces the rest. */
const PACED_HOURS = 2;
/** The incident starts this long before now: inside the paced stretch, so it unfolds live. */
const INCIDENT_BEFORE_NOW_MIN = 90;
const DEMO_PROCESSOR_INTERVAL_MS = 60_000;

export function registerRunCommands(program: Command): void {
  const demoCmd = program
    .command('demo')
    .description('everything in one process on embedded ClickHouse, fed by the built-in simulator')
    .option('--duration <seconds>', 'stop cleanly after this many seconds (default: run until Ctrl-C)', numberArg('--duration'))
    .option('--speed <factor>', 'simulated seconds per real second while replaying history', numberArg('--speed'))
    .option('--history-hours <h>', 'hours of history to replay before running in real time', numberArg('--history-hours'))
    .option('--port <port>', 'API port (env PORT)', intArg('--port'));
  withSimulatorOptions(demoCmd).action(async (opts: DemoOptions, cmd: Command) => {
      const config = configFrom(cmd, {
        // The demo talks to a person: status lines on stdout, only warnings as JSON logs.
        logLevel: cmd.optsWithGlobals<{ logLevel?: string }>().logLevel ?? process.env.LOG_LEVEL ?? 'warn',
        'api.port': opts.port,
        'simulator.speed': opts.speed,
        'simulator.historyHours': opts.historyHours,
        ...simulatorOverrides(opts),
      });
      await demo(config, opts.duration);
    });

  program
    .command('start')
    .description('everything in one process: Kafka (KAFKA_BROKERS) and HTTP ingest, processors, API')
    .option('--port <port>', 'API port (env PORT)', intArg('--port'))
    .action(async (opts: { port?: number }, cmd: Command) => {
      const config = configFrom(cmd, { 'api.port': opts.port });
      const rt = await startRuntime(config, { command: 'start', api: true, processors: true, kafka: true });
      say(`TicketPulse listening on ${rt.apiUrl} (ClickHouse: ${describeStorage(rt)}); POST events to ${rt.apiUrl}/v1/events; overview page at ${rt.apiUrl}/`);
      if (rt.kafka) say(`consuming Kafka topics ${config.kafka.topics.join(', ')} from ${config.kafka.brokers.join(', ')} as group ${config.kafka.groupId}`);
      await untilSignal(rt);
    });

  const simulateCmd = program
    .command('simulate')
    .description('generate the simulated ticket stream into a file, the HTTP API, Kafka or ClickHouse')
    .addOption(new Option('--to <sink>', 'where the events go').choices(['file', 'http', 'kafka', 'clickhouse']).default('file'))
    .option('--out <path>', 'NDJSON file for --to file', 'events.ndjson')
    .option('--url <url>', 'ingest endpoint for --to http', 'http://127.0.0.1:8080/v1/events')
    .option('--api-key <key>', 'bearer key for --to http')
    .option('--brokers <list>', 'Kafka brokers for --to kafka (default: KAFKA_BROKERS)')
    .option('--topic <name>', 'Kafka topic for --to kafka (default: the first configured topic)')
    .option('--hours <h>', 'simulated hours ending now (default 24)', numberArg('--hours'))
    .option('--speed <factor>', 'simulated seconds per real second (default: as fast as possible)', numberArg('--speed'))
    .option('--duration <seconds>', 'stop after this many real seconds', numberArg('--duration'));
  withSimulatorOptions(simulateCmd).action(async (opts: SimulateOptions, cmd: Command) => {
      const config = configFrom(cmd, simulatorOverrides(opts));
      await simulate(config, opts);
    });
}

interface SimulatorFlags {
  seed?: number;
  ticketsPerHour?: number;
  incident?: boolean;
}

function withSimulatorOptions(cmd: Command): Command {
  return cmd
    .option('--seed <n>', 'simulator seed', intArg('--seed'))
    .option('--tickets-per-hour <n>', 'mean ticket arrival rate', numberArg('--tickets-per-hour'))
    .option('--no-incident', 'do not inject the product-batch incident');
}

function simulatorOverrides(opts: SimulatorFlags): Record<string, unknown> {
  return {
    'simulator.seed': opts.seed,
    'simulator.ticketsPerHour': opts.ticketsPerHour,
    'simulator.incident': opts.incident === false ? false : undefined,
  };
}

interface DemoOptions extends SimulatorFlags {
  duration?: number;
  speed?: number;
  historyHours?: number;
  port?: number;
}

interface SimulateOptions extends SimulatorFlags {
  to: 'file' | 'http' | 'kafka' | 'clickhouse';
  out: string;
  url: string;
  apiKey?: string;
  brokers?: string;
  topic?: string;
  hours?: number;
  speed?: number;
  duration?: number;
}

/** The simulation the demo and `simulate` share: history ending now, incident near its end. */
export function buildSimulation(config: Config, historyHours: number, nowMs = Date.now()): Simulation {
  const sim = config.simulator;
  const historyMinutes = historyHours * 60;
  return createSimulation({
    seed: sim.seed,
    start: nowMs - historyHours * HOUR,
    ticketsPerHour: sim.ticketsPerHour,
    agents: sim.agents,
    invalidRate: sim.invalidRate,
    // The incident starts a few hours before now (or at once with little history), so
    // the replay reaches it quickly and it is still going when the demo goes live.
    incident: sim.incident ? { startOffsetMinutes: Math.max(0, historyMinutes - INCIDENT_BEFORE_NOW_MIN), durationMinutes: 240, ticketsPerHour: 60 } : null,
  });
}

async function demo(config: Config, durationSec?: number): Promise<void> {
  const rt = await startRuntime(config, {
    command: 'demo',
    api: true,
    processors: true,
    // The demo shows alerts as they fire, one line each.
    onAlert: (a) => say(`ALERT ${a.severity.toUpperCase()} ${a.kind}: ${a.summary}`),
  });
  const simulation = buildSimulation(config, config.simulator.historyHours);
  const controller = new AbortController();
  say(`TicketPulse demo — API ${rt.apiUrl}, ClickHouse ${describeStorage(rt)}`);
  say(
    `simulator: seed ${config.simulator.seed}, ${config.simulator.ticketsPerHour} tickets/h, ${config.simulator.historyHours} h of history (all but the last ${PACED_HOURS} h at once, then ${config.simulator.speed}× until it reaches now, then real time)` +
      (simulation.incident ? `; incident: ${simulation.incident.product} batch ${simulation.incident.batch} in ${simulation.incident.region} from ${simulation.incident.start}` : ''),
  );
  say(`overview page: ${rt.apiUrl}/   (SLA, volume, root causes, agents; refreshes every 10 s)`);
  say(`try: ./bin/ticketpulse query "SELECT type, count() FROM ticket_events GROUP BY type ORDER BY type"   (Ctrl-C stops${durationSec ? `; stopping after ${durationSec} s` : ''})`);

  const started = Date.now();
  const sink = writerSink(rt.writer);
  let simulatedUntil = simulation.startMs;
  const catchUpTo = Math.max(simulation.startMs, Date.now() - PACED_HOURS * HOUR);
  // Stopping aborts these like any run (rt.stop → scheduler.stop waits for them).
  let firstRun: Promise<unknown> | null = null;
  let caughtUpRun: Promise<unknown> | null = null;
  const runProcessorsNow = async (which: string): Promise<void> => {
    const processors = rt.processors;
    if (!processors) return;
    try {
      await rt.writer.flush();
      await processors.scheduler.runAll('manual');
    } catch (err) {
      say(`${which} processor run failed: ${errorMessage(err)}`);
    }
  };
  const run = runSimulation({
    simulation,
    speed: config.simulator.speed,
    // Bulk history first, so queries and dashboards have data from the first seconds.
    catchUpTo,
    sink,
    signal: controller.signal,
    onProgress: (p: { simulatedUntil: number }) => {
      simulatedUntil = p.simulatedUntil;
      // Once the bulk history is stored, the processors run at once instead of a minute
      // later: SLA state, clusters and scores are on the overview page within seconds.
      if (!firstRun && p.simulatedUntil >= catchUpTo) firstRun = runProcessorsNow('first');
      // And again once simulated time has caught up with the clock: the root-cause and
      // surge processors look at the last 30 minutes before *now*, which only then hold
      // the incident's recent tickets.
      if (firstRun && !caughtUpRun && p.simulatedUntil >= Date.now() - 60_000) caughtUpRun = firstRun.then(() => runProcessorsNow('caught-up'));
    },
  });
  const status = statusLine(rt, () => simulatedUntil);
  const timer = setInterval(() => say(status()), 5_000);
  // Simulated time runs fast, so the processors run every minute of wall time rather
  // than on their production schedules (every 15 min).
  const processorTimer = setInterval(() => void rt.processors?.scheduler.runAll('manual'), DEMO_PROCESSOR_INTERVAL_MS);
  const stopAll = async (why: string) => {
    controller.abort();
    say(`stopping (${why}): flushing…`);
    try {
      await run;
      await sink.close();
    } finally {
      clearInterval(timer);
      clearInterval(processorTimer);
      await rt.stop();
      const s = rt.writer.getStats();
      const secs = (Date.now() - started) / 1000;
      say(`stored ${s.eventsWritten} events and ${s.deadLettersWritten} dead letters in ${secs.toFixed(0)} s (${fmt(s.eventsWritten / secs)} events/s on average)`);
    }
  };
  const done = new Promise<void>((resolve, reject) => {
    onShutdownSignal((signal) => stopAll(signal).then(resolve, reject));
    if (durationSec !== undefined) setTimeout(() => stopAll(`--duration ${durationSec}s`).then(resolve, reject), durationSec * 1000);
    run.catch((err: unknown) => {
      clearInterval(timer);
      reject(err);
    });
  });
  await done;
  say('demo stopped cleanly; the data stays in ' + config.dataDir);
}

function statusLine(rt: Runtime, simTime: () => number): () => string {
  let lastEvents = 0;
  let lastAt = Date.now();
  const started = lastAt;
  return () => {
    const s = rt.writer.getStats();
    const now = Date.now();
    const rate = ((s.eventsWritten - lastEvents) * 1000) / Math.max(now - lastAt, 1);
    lastEvents = s.eventsWritten;
    lastAt = now;
    const sim = new Date(simTime()).toISOString().slice(0, 16).replace('T', ' ');
    return (
      `[${((now - started) / 1000).toFixed(0).padStart(4)} s] sim ${sim} UTC | ${fmt(rate)} events/s | ` +
      `stored ${s.eventsWritten} events, ${s.deadLettersWritten} dead letters | buffered ${s.bufferedRows}` +
      (s.retries ? ` | insert retries ${s.retries}` : '')
    );
  };
}

async function simulate(config: Config, opts: SimulateOptions): Promise<void> {
  const hours = opts.hours ?? 24;
  const simulation = buildSimulation(config, hours);
  const controller = new AbortController();
  let close = async () => {};
  let sink: EventSink;
  if (opts.to === 'file') sink = fileSink(opts.out);
  else if (opts.to === 'http') sink = httpSink(opts.url, { apiKey: opts.apiKey });
  else if (opts.to === 'kafka') {
    const brokers = opts.brokers ? opts.brokers.split(',').map((b) => b.trim()) : config.kafka.brokers;
    if (brokers.length === 0) throw new Error('--to kafka needs --brokers or KAFKA_BROKERS');
    sink = kafkaSink({ brokers, topic: opts.topic ?? config.kafka.topics[0], clientId: `${config.kafka.clientId}-simulator` });
  } else {
    const log = createLogger(config.logLevel);
    const ch = await openAndMigrate(config, 'simulate', log);
    const writer = createWriter(config, ch, log);
    sink = writerSink(writer);
    close = async () => {
      await writer.close();
      await ch.close();
    };
  }
  onShutdownSignal(async () => controller.abort());
  if (opts.duration !== undefined) setTimeout(() => controller.abort(), opts.duration * 1000).unref();
  const started = Date.now();
  let lastLine = started;
  const total = hours * HOUR;
  const result = await runSimulation({
    simulation,
    speed: opts.speed ?? Infinity,
    sink,
    signal: controller.signal,
    until: Date.now(),
    onProgress: (p: { events: number; simulatedUntil: number }) => {
      const now = Date.now();
      if (now - lastLine < 2_000) return;
      lastLine = now;
      const done = p.simulatedUntil - simulation.startMs;
      const secs = (now - started) / 1000;
      const eta = done > 0 ? ((total - done) / done) * secs : NaN;
      process.stderr.write(
        `simulate: ${(100 * done / total).toFixed(1)}% of ${hours} h, ${p.events} events, ${fmt(p.events / secs)} events/s, ETA ${Number.isFinite(eta) ? eta.toFixed(0) + ' s' : '?'}\n`,
      );
    },
  });
  await sink.close();
  await close();
  const secs = (Date.now() - started) / 1000;
  say(`simulated ${result.events} events (${result.invalid} malformed on purpose) to ${opts.to} in ${secs.toFixed(1)} s (${fmt(result.events / secs)} events/s)`);
}

function describeStorage(rt: Runtime): string {
  return rt.ch.mode === 'embedded' ? `embedded chDB at ${rt.ch.dataPath}` : `server, database ${rt.ch.database}`;
}

async function untilSignal(rt: Runtime): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    onShutdownSignal((signal) => {
      say(`${signal}: stopping…`);
      return rt.stop().then(resolve, reject);
    });
  });
}
