// Alert metrics on the process's shared Prometheus registry (core/metrics.ts), created
// once per registry so several services in one process (tests, `start`) share them.
// Live counts (open alerts, pending deliveries) are read from the running services
// at scrape time, like the Kafka consumer gauges.
import { Counter, Gauge, type Registry } from 'prom-client';
import { sharedMetricsRegistry } from '../../core/metrics.ts';

export interface AlertProbe {
  openAlerts(): { firing: number; acknowledged: number };
  pendingByChannel(): Map<string, number>;
  /** Alert and delivery rows queued but not stored yet: a failed insert leaves them here until ClickHouse takes them. */
  unstoredRows(): number;
}

export interface AlertMetrics {
  fired: Counter<'kind' | 'severity'>;
  transitions: Counter<'event'>;
  attempts: Counter<'channel' | 'result'>;
  /** Final outcome of each notification: delivered, digested (carried by a digest) or dead. */
  notifications: Counter<'channel' | 'outcome'>;
  digests: Counter<'channel'>;
  /**
   * Notifications queued for sending although storing them (or the alert version they
   * announce) failed after retries: sent anyway, but not yet durable (docs/alerts.md,
   * "Delivery guarantees").
   */
  unstored: Counter<'channel'>;
  addProbe(probe: AlertProbe): () => void;
}

const cache = new WeakMap<Registry, AlertMetrics>();

export function alertMetrics(registry: Registry = sharedMetricsRegistry()): AlertMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const probes = new Set<AlertProbe>();
  const registers = [registry];
  const metrics: AlertMetrics = {
    fired: new Counter({
      name: 'ticketpulse_alerts_fired_total',
      help: 'Alerts that started firing (new alerts; deduplicated raises do not count)',
      labelNames: ['kind', 'severity'] as const,
      registers,
    }),
    transitions: new Counter({
      name: 'ticketpulse_alert_transitions_total',
      help: 'Alert versions written, by event (fired, reopened, renotified, escalated, acknowledged, resolved, …)',
      labelNames: ['event'] as const,
      registers,
    }),
    attempts: new Counter({
      name: 'ticketpulse_alert_delivery_attempts_total',
      help: 'HTTP attempts to deliver a notification, by result (ok, retry, rate_limited, failed)',
      labelNames: ['channel', 'result'] as const,
      registers,
    }),
    notifications: new Counter({
      name: 'ticketpulse_alert_notifications_total',
      help: 'Notifications settled, by outcome: delivered, digested (sent inside a digest) or dead (gave up)',
      labelNames: ['channel', 'outcome'] as const,
      registers,
    }),
    digests: new Counter({
      name: 'ticketpulse_alert_digests_total',
      help: 'Digest messages created because a channel reached its rate limit',
      labelNames: ['channel'] as const,
      registers,
    }),
    unstored: new Counter({
      name: 'ticketpulse_alert_notifications_unstored_total',
      help: 'Notifications sent although their rows could not be stored after retries (ClickHouse failing); a crash before the rows are stored forgets them',
      labelNames: ['channel'] as const,
      registers,
    }),
    addProbe(probe) {
      probes.add(probe);
      return () => probes.delete(probe);
    },
  };
  new Gauge({
    name: 'ticketpulse_alerts_open',
    help: 'Open alerts held by running alert services, by state',
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.reset();
      let firing = 0;
      let acknowledged = 0;
      for (const p of probes) {
        const o = p.openAlerts();
        firing += o.firing;
        acknowledged += o.acknowledged;
      }
      this.set({ state: 'firing' }, firing);
      this.set({ state: 'acknowledged' }, acknowledged);
    },
  });
  new Gauge({
    name: 'ticketpulse_alert_deliveries_pending',
    help: 'Notifications waiting in the outbox (not yet delivered or dead), by channel',
    labelNames: ['channel'] as const,
    registers,
    collect() {
      this.reset();
      const sum = new Map<string, number>();
      for (const p of probes) for (const [c, n] of p.pendingByChannel()) sum.set(c, (sum.get(c) ?? 0) + n);
      for (const [c, n] of sum) this.set({ channel: c }, n);
    },
  });
  new Gauge({
    name: 'ticketpulse_alert_rows_unstored',
    help: 'Alert and delivery rows queued but not yet stored; stays above 0 while ClickHouse refuses inserts (they are retried until it takes them)',
    registers,
    collect() {
      let n = 0;
      for (const p of probes) n += p.unstoredRows();
      this.set(n);
    },
  });
  cache.set(registry, metrics);
  return metrics;
}
