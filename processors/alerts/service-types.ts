// The alert service's public shape: what processors call, what the loop reports,
// and the events the demo (and anything else) can listen to.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import type { AlertsConfig } from '../../core/config/alerts.ts';
import type { Logger } from '../../core/log.ts';
import type { MetricsRegistry } from '../../core/metrics.ts';
import type { AlertDto, AlertsPort, DeliveryDto } from '../../core/ports/alerts.ts';
import type { DispatchReport } from './dispatcher.ts';
import type { FetchLike } from './notifiers/index.ts';
import type { AlertInput } from './types.ts';

/** What `raise` and the transitions return: the alert as the API shows it. */
export type AlertState = AlertDto;

export interface AlertServiceOptions {
  ch: ClickHouse;
  config: AlertsConfig;
  log?: Logger;
  /** Injectable clock (epoch ms) for tests; Date.now by default. */
  now?: () => number;
  fetch?: FetchLike;
  /** Backoff jitter in [0, 1). */
  random?: () => number;
  /** Where urlEnv / secretEnv are read (process.env by default). */
  env?: Record<string, string | undefined>;
  /** Prometheus registry (the shared one by default); null for none. */
  metrics?: MetricsRegistry | null;
  /** New alert ids (random UUIDs by default). */
  newId?: () => string;
}

export interface TickReport extends DispatchReport {
  /** Alert versions written by timers this tick: reminders and escalations. */
  reminders: number;
  escalations: number;
  pending: number;
}

export interface TestSendResult {
  channel: string;
  type: string;
  ok: boolean;
  status: number;
  error: string | null;
  ms: number;
}

export interface AlertServiceEvents {
  fired: (alert: AlertDto) => void;
  reopened: (alert: AlertDto) => void;
  escalated: (alert: AlertDto) => void;
  acknowledged: (alert: AlertDto) => void;
  resolved: (alert: AlertDto) => void;
  delivered: (delivery: DeliveryDto) => void;
  dead: (delivery: DeliveryDto) => void;
}

export interface AlertService {
  /** Fires (or deduplicates, or reopens) an alert; resolves once it is stored. */
  raise(input: AlertInput): Promise<AlertState>;
  /** Many at once: validated together, stored in one group commit. */
  raiseMany(inputs: AlertInput[]): Promise<AlertState[]>;
  /** The condition is gone: auto-resolve the open alert of this key (null when none is open). */
  clear(dedupKey: string): Promise<AlertState | null>;
  ack(id: string, by: string, note?: string): Promise<AlertState>;
  resolve(id: string, by: string, note?: string): Promise<AlertState>;
  /** One pass of timers (reminders, escalations) and deliveries; the loop calls it, tests call it with a fake clock. */
  tick(): Promise<TickReport>;
  /** Loads state (pending deliveries after a crash included) and starts the delivery loop. */
  start(): Promise<void>;
  /** Stops the loop, waits for the running pass and stores what is queued. */
  stop(): Promise<void>;
  /** Sends a test message to a channel now (not through the outbox). */
  sendTest(channel: string): Promise<TestSendResult>;
  onFired(listener: (alert: AlertDto) => void): () => void;
  on<E extends keyof AlertServiceEvents>(event: E, listener: AlertServiceEvents[E]): () => void;
  status(): { firing: number; acknowledged: number; resolvedInCooldown: number; pendingDeliveries: number };
  readonly port: AlertsPort;
}
