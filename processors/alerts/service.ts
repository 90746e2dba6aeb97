// The alert service every processor raises through. It owns the lifecycle in memory
// (AlertBook), persists every change to ClickHouse before acting on it, and runs the
// delivery loop over the outbox. One service per process; API-only processes use
// createAlertsStorePort instead, and their acknowledgements reach the service through
// its periodic sync.
import { EventEmitter } from 'node:events';
import type { AlertsConfig } from '../../core/config/alerts.ts';
import { ConfigError } from '../../core/config/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { AlertDto, AlertsPort } from '../../core/ports/alerts.ts';
import { resolveChannels, validateAlertsConfig, type ResolvedChannel } from './config-validate.ts';
import { Dispatcher } from './dispatcher.ts';
import { alertToDto, deliveryToDto } from './dto.ts';
import { normalizeInput } from './input.ts';
import { AlertBook, ackRecord, resolveRecordQuietly, type AlertChange } from './lifecycle.ts';
import { alertMetrics, type AlertMetrics } from './metrics.ts';
import type { FetchLike } from './notifiers/index.ts';
import { Outbox } from './outbox.ts';
import { createStoreReads } from './port.ts';
import { AlertRouter } from './routing.ts';
import { RowWriter } from './row-writer.ts';
import { alertRow, deliveryRow } from './store-rows.ts';
import type { AlertService, AlertServiceEvents, AlertServiceOptions, AlertState, TestSendResult, TickReport } from './service-types.ts';
import { AlertStore } from './store.ts';
import { sendTestTo, unknownChannel } from './test-message.ts';
import type { AlertInput, AlertRecord, DeliveryRecord } from './types.ts';

export function createAlertService(opts: AlertServiceOptions): AlertService {
  const issues = validateAlertsConfig(opts.config, { env: opts.env });
  if (issues.length > 0) throw new ConfigError(issues);
  return new AlertServiceImpl(opts);
}

class AlertServiceImpl implements AlertService {
  private readonly config: AlertsConfig;
  private readonly now: () => number;
  private readonly log?: Logger;
  private readonly channels: Map<string, ResolvedChannel>;
  private readonly store: AlertStore;
  private readonly writer: RowWriter;
  private readonly book: AlertBook;
  private readonly outbox: Outbox;
  private readonly dispatcher: Dispatcher;
  private readonly metrics: AlertMetrics | null;
  private readonly events = new EventEmitter();
  private readonly fetchImpl: FetchLike;
  private loaded: Promise<void> | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private kicked = false;
  private lastSync = 0;
  private removeProbe: (() => void) | null = null;
  readonly port: AlertsPort;

  constructor(opts: AlertServiceOptions) {
    this.config = opts.config;
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    this.fetchImpl = opts.fetch ?? fetch;
    this.channels = resolveChannels(opts.config, opts.env);
    this.store = new AlertStore(opts.ch);
    this.writer = new RowWriter(opts.ch, { log: opts.log });
    this.book = new AlertBook({ config: opts.config, router: AlertRouter.fromConfig(opts.config), newId: opts.newId });
    this.outbox = new Outbox((c) => this.channels.get(c)?.type ?? null);
    this.metrics = opts.metrics === null ? null : alertMetrics(opts.metrics);
    this.events.setMaxListeners(100);
    this.dispatcher = new Dispatcher({
      config: opts.config,
      channels: this.channels,
      outbox: this.outbox,
      writer: this.writer,
      fetch: this.fetchImpl,
      now: this.now,
      random: opts.random ?? Math.random,
      log: opts.log,
      metrics: this.metrics,
      onSettled: (d) => {
        if (d.state === 'delivered') this.emit('delivered', deliveryToDto(d));
        if (d.state === 'dead') this.emit('dead', deliveryToDto(d));
      },
    });
    this.port = {
      ...createStoreReads(this.store),
      ack: (id, by, note) => this.ack(id, by, note),
      resolve: (id, by, note) => this.resolve(id, by, note),
    };
  }

  // ---------------------------------------------------------------- raising

  async raise(input: AlertInput): Promise<AlertState> {
    const [one] = await this.raiseMany([input]);
    return one;
  }

  async raiseMany(inputs: AlertInput[]): Promise<AlertState[]> {
    const normalized = inputs.map((i) => normalizeInput(i));
    await this.ready();
    const now = this.now();
    const changes: AlertChange[] = [];
    const results: AlertRecord[] = [];
    const fired: AlertRecord[] = [];
    const reopened: AlertRecord[] = [];
    for (const input of normalized) {
      const r = this.book.raise(input, now);
      if (r.change) changes.push(r.change);
      if (r.outcome === 'fired') fired.push(r.alert);
      if (r.outcome === 'reopened') reopened.push(r.alert);
      results.push(r.alert);
    }
    await this.persist(changes, now);
    for (const a of fired) {
      this.metrics?.fired.inc({ kind: a.kind, severity: a.severity });
      this.emit('fired', alertToDto(a));
    }
    for (const a of reopened) this.emit('reopened', alertToDto(a));
    this.kick();
    // A later raise of the same key in this batch may have replaced the record.
    return results.map((a) => alertToDto(this.book.get(a.id) ?? a));
  }

  async clear(dedupKey: string): Promise<AlertState | null> {
    await this.ready();
    const now = this.now();
    const change = this.book.clear(dedupKey, now);
    if (!change) return null;
    await this.persist([change], now);
    this.emit('resolved', alertToDto(change.alert));
    this.kick();
    return alertToDto(change.alert);
  }

  // ---------------------------------------------------------------- transitions from people

  async ack(id: string, by: string, note = ''): Promise<AlertState> {
    await this.ready();
    const now = this.now();
    let change: AlertChange;
    if (this.book.get(id)) {
      change = this.book.ack(id, by, note, now);
      await this.persist([change], now);
    } else {
      // Not held here (resolved long ago, or raised by another process): the store decides.
      const stored = await this.store.latestAlert(id);
      if (!stored) throw new TicketPulseError('not_found', `no alert ${id}`, { field: 'id' });
      change = ackRecord(stored, by, note, now);
      await this.persist([change], now);
    }
    this.emit('acknowledged', alertToDto(change.alert));
    return alertToDto(change.alert);
  }

  async resolve(id: string, by: string, note = ''): Promise<AlertState> {
    await this.ready();
    const now = this.now();
    let change: AlertChange;
    if (this.book.get(id)) change = this.book.resolve(id, by, note, now);
    else {
      const stored = await this.store.latestAlert(id);
      if (!stored) throw new TicketPulseError('not_found', `no alert ${id}`, { field: 'id' });
      change = resolveRecordQuietly(stored, by, note, now);
    }
    await this.persist([change], now);
    this.emit('resolved', alertToDto(change.alert));
    this.kick();
    return alertToDto(change.alert);
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Stores the changes and the deliveries they create (deliveries first, see
   * RowWriter), then hands the deliveries to the outbox. Normally nothing is sent
   * that a restart would not find again.
   *
   * When ClickHouse refuses the rows even after the writer's retries, the
   * notifications are sent anyway (a ClickHouse outage must not silence alerting),
   * still under their idempotency keys; the rows stay queued in the writer and are
   * stored once ClickHouse is back. Until then they are not durable: a crash in
   * between forgets them. That is counted (ticketpulse_alert_notifications_unstored_total),
   * logged at warn, and the error still reaches the caller.
   */
  private async persist(changes: AlertChange[], now: number): Promise<void> {
    if (changes.length === 0) return;
    const deliveries: DeliveryRecord[] = [];
    for (const c of changes) if (c.notify) deliveries.push(...this.outbox.create(c.alert, c.notify, now));
    for (const c of changes) this.metrics?.transitions.inc({ event: c.alert.event });
    try {
      await this.writer.write({
        deliveries: deliveries.map((d) => deliveryRow(d, true)),
        alerts: changes.map((c) => alertRow(c.alert)),
      });
    } catch (err) {
      for (const d of deliveries) this.metrics?.unstored.inc({ channel: d.channel });
      this.log?.warn(
        {
          err: errorMessage(err),
          // A storm can be thousands: the first few name them, the counts say how many.
          alerts: changes.slice(0, 20).map((c) => c.alert.id),
          alertCount: changes.length,
          deliveries: deliveries.slice(0, 20).map((d) => d.id),
          deliveryCount: deliveries.length,
          queuedRows: this.writer.queuedRows,
        },
        `alert rows could not be stored; sending ${deliveries.length} notification(s) anyway (stored once ClickHouse is back, lost if the process dies first)`,
      );
      throw err;
    } finally {
      // Also on failure: holding the notifications back would silence them for as
      // long as ClickHouse is down, and lose them if this process dies meanwhile.
      this.outbox.add(deliveries);
    }
  }

  // ---------------------------------------------------------------- loading

  private ready(): Promise<void> {
    this.loaded ??= this.load().catch((err: unknown) => {
      this.loaded = null;
      throw err;
    });
    return this.loaded;
  }

  private async load(): Promise<void> {
    const now = this.now();
    const pending = await this.store.loadPendingDeliveries();
    await this.restoreMissingAlerts(pending);
    const members = await this.store.loadDigestMembers(pending.filter((d) => d.notification === 'digest').map((d) => d.id));
    const open = await this.store.loadOpenAlerts(now - this.config.cooldownMinutes * 60_000);
    this.book.load(open);
    this.outbox.load(pending, members);
    this.lastSync = now;
    if (this.metrics && !this.removeProbe) {
      this.removeProbe = this.metrics.addProbe({
        openAlerts: () => {
          const s = this.status();
          return { firing: s.firing, acknowledged: s.acknowledged };
        },
        pendingByChannel: () => this.outbox.countByChannel(),
        unstoredRows: () => this.writer.queuedRows,
      });
    }
    if (pending.length > 0 || open.length > 0) {
      this.log?.info({ pendingDeliveries: pending.length, openAlerts: open.length }, 'alert state loaded');
    }
  }

  /**
   * A crash between storing a notification and storing the alert version it
   * announces leaves the delivery without its alert row: put the row back from the
   * snapshot the delivery carries.
   */
  private async restoreMissingAlerts(pending: DeliveryRecord[]): Promise<void> {
    const wanted = new Map<string, AlertRecord>();
    for (const d of pending) {
      if (d.message.type !== 'alert') continue;
      const a = d.message.alert;
      const held = wanted.get(a.id);
      if (!held || held.version < a.version) wanted.set(a.id, a);
    }
    if (wanted.size === 0) return;
    const stored = await this.store.alertVersions([...wanted.keys()]);
    const missing = [...wanted.values()].filter((a) => (stored.get(a.id) ?? -1) < a.version);
    if (missing.length === 0) return;
    await this.writer.write({ alerts: missing.map(alertRow) });
    this.log?.warn({ restored: missing.length }, 'restored alert versions whose notifications were stored before a crash');
  }

  /** Picks up acknowledgements and resolutions written by other processes (API-only nodes). */
  private async sync(now: number): Promise<void> {
    this.lastSync = now;
    const oldest = this.book.oldestFiredAt();
    if (oldest === null) return;
    const latest = await this.store.latestAlertsFiredSince(oldest);
    for (const r of latest) if (this.book.adopt(r)) this.log?.info({ alert: r.id, state: r.state }, 'alert changed by another process');
  }

  // ---------------------------------------------------------------- the loop

  tick(): Promise<TickReport> {
    const run = this.chain.then(() => this.runTick());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async runTick(): Promise<TickReport> {
    await this.ready();
    const now = this.now();
    if (now - this.lastSync >= this.config.delivery.syncIntervalMs) {
      await this.sync(now).catch((err: unknown) => this.log?.warn({ err }, 'alert sync failed'));
    }
    const changes = this.book.due(now);
    await this.persist(changes, now);
    for (const c of changes) if (c.alert.event === 'escalated') this.emit('escalated', alertToDto(c.alert));
    this.book.prune(now);
    const report = await this.dispatcher.run(now);
    return {
      ...report,
      reminders: changes.filter((c) => c.alert.event === 'renotified').length,
      escalations: changes.filter((c) => c.alert.event === 'escalated').length,
      pending: this.outbox.size,
    };
  }

  async start(): Promise<void> {
    await this.ready();
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kicked = false;
      this.tick()
        .catch((err: unknown) => this.log?.error({ err: errorMessage(err) }, 'alert delivery pass failed'))
        .finally(() => this.schedule(this.kicked ? 0 : this.config.delivery.pollIntervalMs));
    }, delayMs);
  }

  /** Something new to send: run the next pass now instead of at the next poll. */
  private kick(): void {
    if (!this.running || this.kicked) return;
    this.kicked = true;
    // Idle: run now. A pass is running: it reschedules at once when it sees `kicked`.
    if (this.timer) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.chain;
    await this.writer.drain().catch((err: unknown) => this.log?.error({ err }, 'could not store queued alert rows before stopping'));
    this.removeProbe?.();
    this.removeProbe = null;
  }

  // ---------------------------------------------------------------- the rest

  async sendTest(channel: string): Promise<TestSendResult> {
    const c = this.channels.get(channel);
    if (!c) throw unknownChannel(channel, [...this.channels.keys()]);
    return sendTestTo(c, { fetch: this.fetchImpl, timezone: this.config.timezone, maxRetryAfterMs: this.config.delivery.maxRetryAfterMs, now: this.now() });
  }

  onFired(listener: (alert: AlertDto) => void): () => void {
    return this.on('fired', listener);
  }

  on<E extends keyof AlertServiceEvents>(event: E, listener: AlertServiceEvents[E]): () => void {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return () => this.events.off(event, listener as (...args: unknown[]) => void);
  }

  private emit(event: keyof AlertServiceEvents, payload: unknown): void {
    // A listener's bug must not fail the raise that triggered it.
    for (const l of this.events.listeners(event)) {
      try {
        (l as (p: unknown) => void)(payload);
      } catch (err) {
        this.log?.warn({ err, event }, 'alert event listener threw');
      }
    }
  }

  status() {
    let firing = 0;
    let acknowledged = 0;
    let resolvedInCooldown = 0;
    for (const a of this.book.all()) {
      if (a.state === 'firing') firing++;
      else if (a.state === 'acknowledged') acknowledged++;
      else resolvedInCooldown++;
    }
    return { firing, acknowledged, resolvedInCooldown, pendingDeliveries: this.outbox.size };
  }
}

export type { AlertService, AlertServiceEvents, AlertServiceOptions, AlertState, TestSendResult, TickReport } from './service-types.ts';
