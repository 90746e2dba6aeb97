// Shared pieces of the alert tests: a clock the test moves by hand, a config with
// channels pointing at local receivers, and alert inputs that look like the SLA
// processor's.
import { parseAlertsConfig, type AlertInput } from '../../processors/alerts/index.ts';
import type { AlertsConfig } from '../../core/config/alerts.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;

export class FakeClock {
  constructor(public ms = Date.UTC(2026, 2, 2, 9, 0, 0)) {}
  now = (): number => this.ms;
  advance(ms: number): number {
    this.ms += ms;
    return this.ms;
  }
}

/** A config section as a user would write it, parsed with defaults. */
export function alertsConfig(section: Record<string, unknown>): AlertsConfig {
  return parseAlertsConfig(section, { env: {} });
}

/** Fast retries and no jitter surprises: tests move the clock past every delay. */
export const TEST_DELIVERY = { maxAttempts: 5, retryBaseMs: 1_000, retryMaxMs: 60_000, timeoutMs: 5_000, pollIntervalMs: 50, syncIntervalMs: 3_600_000 };

export function breach(ticket: string, overrides: Partial<AlertInput> = {}): AlertInput {
  return {
    kind: 'sla_breached',
    severity: 'critical',
    dedup_key: `sla_breached:${ticket}:first_response`,
    subject: { type: 'ticket', id: ticket },
    summary: `First response on ${ticket} is overdue`,
    details: { target_minutes: 30, elapsed_minutes: 47, overdue_minutes: 17 },
    labels: { team: 'billing', priority: 'urgent', tier: 'vip', tenant: 'acme', metric: 'first_response' },
    ...overrides,
  };
}
