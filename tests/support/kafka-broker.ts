/**
 * Kafka test broker for the TicketPulse test suite.
 *
 * Compiles (once, cached in tests/support/.build/) and runs kafka-broker.c, a
 * small C harness over librdkafka's mock cluster, which speaks the real Kafka
 * wire protocol on 127.0.0.1. See kafka-broker.c for the line protocol and
 * for the mock cluster's limitations (notably: each partition keeps at most
 * 5 MiB / 100,000 batches; CreateTopics is unsupported — use createTopic()).
 *
 *   const kafka = await startKafkaBroker({ brokers: 3, topics: [{ name, partitions: 3 }] });
 *   new Kafka({ brokers: kafka.brokers, ... });
 *   await kafka.stop();
 *
 * Set TICKETPULSE_DEBUG_KAFKA=1 to see the harness's stderr (librdkafka logs,
 * preload progress).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const SUPPORT_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(SUPPORT_DIR, 'kafka-broker.c');
const BUILD_DIR = join(SUPPORT_DIR, '.build');
const BINARY = join(BUILD_DIR, 'kafka-broker');
const MOCK_HEADER = '/usr/include/librdkafka/rdkafka_mock.h';

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export interface KafkaTestBroker {
  /** Comma-separated bootstrap list, e.g. "127.0.0.1:40001,127.0.0.1:40002". */
  bootstrap: string;
  /** Broker addresses; broker id N (1-based) is brokers[N - 1]. */
  brokers: string[];
  /** Create a topic (the mock cluster does not support CreateTopics). */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Disconnect broker `id` and refuse new connections (leadership does not move). */
  brokerDown(id: number): Promise<void>;
  brokerUp(id: number): Promise<void>;
  /**
   * The next `count` requests with this ApiKey (0 Produce, 1 Fetch, 2 ListOffsets,
   * 3 Metadata, 8 OffsetCommit, 9 OffsetFetch, 10 FindCoordinator, 11 JoinGroup,
   * 12 Heartbeat, 14 SyncGroup, ...) to any broker fail with Kafka error code
   * `errorCode` (e.g. 6 NOT_LEADER_FOR_PARTITION, 7 REQUEST_TIMED_OUT).
   */
  pushRequestErrors(apiKey: number, count: number, errorCode: number): Promise<void>;
  setLeader(topic: string, partition: number, brokerId: number): Promise<void>;
  /**
   * Produce every non-empty line of an NDJSON file to `topic` with librdkafka
   * (murmur2 partitioner, same as kafkajs' default for keyed messages). Key =
   * the value of JSON field `keyField` if given. Resolves with the message count.
   */
  preload(topic: string, ndjsonPath: string, keyField?: string): Promise<number>;
  /** Quit the harness (SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

export interface StartKafkaBrokerOptions {
  /** Number of brokers (ids 1..N). Default 1. */
  brokers?: number;
  /** Topics created before startKafkaBroker resolves. */
  topics?: { name: string; partitions: number }[];
}

/** A unique topic/group name: `${prefix}-${12 hex chars}`. */
export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

let buildPromise: Promise<string> | undefined;

/**
 * Compile kafka-broker.c into tests/support/.build/kafka-broker when the binary is
 * missing or older than the source. Safe across concurrent processes: each
 * compiles to a unique temp name and atomically renames it into place.
 */
export function ensureHarnessBuilt(): Promise<string> {
  buildPromise ??= buildHarness().catch((err: unknown) => {
    buildPromise = undefined; // allow a retry after e.g. installing the package
    throw err;
  });
  return buildPromise;
}

async function buildHarness(): Promise<string> {
  try {
    await access(MOCK_HEADER, fsConstants.R_OK);
  } catch {
    throw new Error(
      `Kafka test broker: ${MOCK_HEADER} not found. Install librdkafka's development ` +
        'package (it contains the mock cluster): apt-get install -y librdkafka-dev',
    );
  }
  const src = await stat(SOURCE);
  try {
    const bin = await stat(BINARY);
    if (bin.mtimeMs >= src.mtimeMs) return BINARY;
  } catch {
    // missing: build it
  }
  await mkdir(BUILD_DIR, { recursive: true });
  const tmp = `${BINARY}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await execFileAsync('cc', ['-O2', '-Wall', '-o', tmp, SOURCE, '-lrdkafka'], {
      timeout: 120_000,
    });
    await rename(tmp, BINARY);
  } catch (err) {
    await rm(tmp, { force: true });
    const e = err as { stderr?: string; message?: string };
    throw new Error(
      `Kafka test broker: compiling ${SOURCE} failed: ${e.stderr || e.message || String(err)}`,
    );
  }
  return BINARY;
}

// Children still running when Node exits get killed (the harness also exits
// by itself on stdin EOF, which covers SIGKILL of the Node process).
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export async function startKafkaBroker(opts: StartKafkaBrokerOptions = {}): Promise<KafkaTestBroker> {
  const binary = await ensureHarnessBuilt();
  const brokerCount = opts.brokers ?? 1;
  if (!Number.isInteger(brokerCount) || brokerCount < 1) {
    throw new Error(`startKafkaBroker: brokers must be a positive integer, got ${brokerCount}`);
  }
  const args = ['--brokers', String(brokerCount)];
  for (const t of opts.topics ?? []) {
    checkToken('topic name', t.name);
    args.push('--topic', `${t.name}:${t.partitions}`);
  }

  const debug = Boolean(process.env.TICKETPULSE_DEBUG_KAFKA);
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  trackChild(child);

  // Keep the last stderr lines for error messages; forward them when debugging.
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 30) stderrTail.shift();
    if (debug) process.stderr.write(`[kafka-broker ${child.pid}] ${line}\n`);
  });

  // stdout: line reader feeding whoever waits for the next line.
  const pendingLines: string[] = [];
  let lineWaiter: { resolve: (l: string) => void; reject: (e: Error) => void } | undefined;
  let exited = false;
  let exitError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitError = new Error(
        `Kafka test broker exited (code ${code}, signal ${signal})` +
          (stderrTail.length ? `; stderr:\n${stderrTail.join('\n')}` : ''),
      );
      lineWaiter?.reject(exitError);
      lineWaiter = undefined;
      resolve();
    });
  });
  child.once('error', (err) => {
    // spawn failure: 'exit' may never fire
    exited = true;
    exitError = err;
    lineWaiter?.reject(err);
    lineWaiter = undefined;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (lineWaiter) {
      const w = lineWaiter;
      lineWaiter = undefined;
      w.resolve(line);
    } else {
      pendingLines.push(line);
    }
  });
  child.stdin!.on('error', () => {
    // EPIPE after the child died: surfaced through exitError instead
  });

  const nextLine = (): Promise<string> => {
    const l = pendingLines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (exited) return Promise.reject(exitError ?? new Error('Kafka test broker is not running'));
    return new Promise((resolve, reject) => {
      lineWaiter = { resolve, reject };
    });
  };

  // Startup: wait for "BOOTSTRAP host:port,...".
  let bootstrap: string;
  try {
    const first = await withTimeout(nextLine(), STARTUP_TIMEOUT_MS, 'waiting for BOOTSTRAP line');
    const m = /^BOOTSTRAP (\S+)$/.exec(first);
    if (!m) throw new Error(`unexpected first line from harness: ${first}`);
    bootstrap = m[1];
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(
      `Kafka test broker failed to start: ${(err as Error).message}` +
        (stderrTail.length ? `\nstderr:\n${stderrTail.join('\n')}` : ''),
    );
  }

  let stopping = false;
  let stopPromise: Promise<void> | undefined;

  // Commands are serialized: one outstanding at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const command = (line: string): Promise<string> => {
    const run = async (): Promise<string> => {
      if (exited || stopping) throw exitError ?? new Error('Kafka test broker is stopped');
      child.stdin!.write(`${line}\n`);
      const answer = await nextLine();
      if (answer.startsWith('OK')) return answer.slice(2).trim();
      if (answer.startsWith('ERR')) throw new Error(`Kafka test broker: ${line}: ${answer.slice(3).trim()}`);
      throw new Error(`Kafka test broker: ${line}: unexpected answer: ${answer}`);
    };
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };

  const stop = (): Promise<void> => {
    stopPromise ??= (async () => {
      // let queued commands finish first (but don't hang on a stuck harness)
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        queue,
        new Promise<void>((resolve) => {
          graceTimer = setTimeout(resolve, STOP_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(graceTimer);
      stopping = true;
      if (!exited) {
        try {
          child.stdin!.end('quit\n');
        } catch {
          // ignore: killed below if needed
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exitPromise;
        clearTimeout(timer);
      }
      liveChildren.delete(child);
    })();
    return stopPromise;
  };

  const int = (what: string, n: number): string => {
    if (!Number.isInteger(n)) throw new Error(`Kafka test broker: ${what} must be an integer, got ${n}`);
    return String(n);
  };

  return {
    bootstrap,
    brokers: bootstrap.split(','),
    async createTopic(name, partitions) {
      checkToken('topic name', name);
      await command(`topic ${name} ${int('partitions', partitions)}`);
    },
    async brokerDown(id) {
      await command(`down ${int('broker id', id)}`);
    },
    async brokerUp(id) {
      await command(`up ${int('broker id', id)}`);
    },
    async pushRequestErrors(apiKey, count, errorCode) {
      await command(`errors ${int('apiKey', apiKey)} ${int('count', count)} ${int('errorCode', errorCode)}`);
    },
    async setLeader(topic, partition, brokerId) {
      checkToken('topic name', topic);
      await command(`leader ${topic} ${int('partition', partition)} ${int('broker id', brokerId)}`);
    },
    async preload(topic, ndjsonPath, keyField) {
      checkToken('topic name', topic);
      checkToken('path', ndjsonPath);
      if (keyField !== undefined) checkToken('key field', keyField);
      const answer = await command(`preload ${topic} ${ndjsonPath}${keyField ? ` ${keyField}` : ''}`);
      const n = Number(answer);
      if (!Number.isInteger(n)) throw new Error(`Kafka test broker: preload: unexpected answer OK ${answer}`);
      return n;
    },
    stop,
  };
}

/** The line protocol is whitespace-separated: reject tokens it cannot carry. */
function checkToken(what: string, value: string): void {
  if (!value || /\s/.test(value)) {
    throw new Error(`Kafka test broker: ${what} must be non-empty without whitespace: ${JSON.stringify(value)}`);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
