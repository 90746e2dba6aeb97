// One ClickHouse client per process. Embedded mode runs chDB in-process through
// the same @clickhouse/client API a server uses, so every module is written once.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from '../config/index.ts';
import { TicketPulseError, errorMessage } from '../errors.ts';
import { clearOwner, readOwner, writeOwner } from './owner.ts';

export type ClickHouseMode = 'embedded' | 'server';

export interface ClickHouse {
  readonly client: ClickHouseClient;
  readonly mode: ClickHouseMode;
  /** The embedded engine's data directory (embedded mode only). */
  readonly dataPath: string | null;
  readonly database: string;
  readonly cluster: string | null;
  /** Runs `SELECT 1`; false instead of throwing so health checks can report it. */
  ping(): Promise<boolean>;
  /** Closes the client; in embedded mode also waits until chDB released the directory. */
  close(): Promise<void>;
}

export interface OpenClickHouseOptions {
  clickhouse: ClickHouseConfig;
  dataDir: string;
  /** Recorded in the data directory's owner file in embedded mode (e.g. `demo`). */
  command?: string;
}

let embeddedOpen: string | null = null;
type ChdbClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export async function openClickHouse(opts: OpenClickHouseOptions): Promise<ClickHouse> {
  const cfg = opts.clickhouse;
  if (cfg.url) return openServer(cfg);
  return openEmbedded(resolve(opts.dataDir), cfg, opts.command ?? 'ticketpulse');
}

async function openServer(cfg: ClickHouseConfig): Promise<ClickHouse> {
  const client = createClient({
    url: cfg.url,
    username: cfg.user,
    password: cfg.password,
    database: cfg.database,
    request_timeout: cfg.requestTimeoutMs,
    application: 'ticketpulse',
  });
  return wrap(client, 'server', null, cfg, async () => client.close());
}

async function openEmbedded(dataDir: string, cfg: ClickHouseConfig, command: string): Promise<ClickHouse> {
  const path = join(dataDir, 'clickhouse');
  // chDB binds one data directory per process; a second path would be rejected deep
  // inside the engine with a less helpful message.
  if (embeddedOpen && embeddedOpen !== path) {
    throw new TicketPulseError('data_dir_locked', `this process already has the embedded ClickHouse open at ${embeddedOpen}; close it before opening ${path}`);
  }
  mkdirSync(path, { recursive: true });
  // Ask the owner file first: chDB itself would only print a lock error to stderr.
  const owner = readOwner(dataDir);
  if (owner && owner.pid !== process.pid) throw embeddedOpenError(dataDir, path, new Error('held by another process'));
  const { createChdbConnection } = await import('chdb/connection');
  let client: ClickHouseClient;
  try {
    // chdb types its connection against @clickhouse/client-common, which the client
    // bundles as its own copy: same shape, different declarations.
    const connection = createChdbConnection({ path }) as unknown as ChdbClientConnection;
    client = createClient({ connection });
    // Fail now, with a clear message, if another process holds the directory.
    await client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
  } catch (err) {
    throw embeddedOpenError(dataDir, path, err);
  }
  embeddedOpen = path;
  writeOwner(dataDir, { pid: process.pid, command, startedAt: new Date().toISOString() });
  if (cfg.database !== 'default') {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdent(cfg.database)}` });
    // Embedded mode has no per-request database parameter: make it the session default.
    await client.command({ query: `USE ${quoteIdent(cfg.database)}` });
  }
  return wrap(client, 'embedded', path, cfg, async () => {
    await client.close();
    const { drainPending } = await import('chdb');
    await drainPending();
    embeddedOpen = null;
    clearOwner(dataDir);
  });
}

function wrap(
  client: ClickHouseClient,
  mode: ClickHouseMode,
  dataPath: string | null,
  cfg: ClickHouseConfig,
  doClose: () => Promise<void>,
): ClickHouse {
  let closing: Promise<void> | null = null;
  return {
    client,
    mode,
    dataPath,
    database: cfg.database,
    cluster: cfg.cluster ?? null,
    async ping() {
      try {
        const rs = await client.query({ query: 'SELECT 1 AS ok', format: 'JSONEachRow' });
        const rows = await rs.json<{ ok: number }>();
        return rows[0]?.ok === 1;
      } catch {
        return false;
      }
    },
    close() {
      closing ??= doClose();
      return closing;
    },
  };
}

function embeddedOpenError(dataDir: string, path: string, err: unknown): TicketPulseError {
  const msg = errorMessage(err);
  const owner = readOwner(dataDir);
  if (owner && owner.pid !== process.pid) {
    const via = owner.apiUrl ? `; its API is at ${owner.apiUrl}` : '';
    return new TicketPulseError(
      'data_dir_locked',
      `the embedded ClickHouse data directory ${path} is held by process ${owner.pid} (ticketpulse ${owner.command}, since ${owner.startedAt})${via}. chDB allows one process per data directory: stop it, or use its API`,
      { cause: err, details: { owner } },
    );
  }
  if (/Cannot lock file|Failed to create connection/i.test(msg)) {
    return new TicketPulseError('data_dir_locked', `cannot open the embedded ClickHouse data directory ${path}: another process probably holds it (${msg})`, { cause: err });
  }
  return new TicketPulseError('clickhouse_unavailable', `cannot open the embedded ClickHouse at ${path}: ${msg}`, { cause: err, retriable: true });
}

/** Quotes an identifier (table, database) for the rare places that cannot bind it as a parameter. */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TicketPulseError('bad_request', `invalid identifier: ${name}`);
  return `\`${name}\``;
}
