// `ticketpulse alerts test <channel>`: one message straight to a channel, bypassing
// the outbox, so an operator can check a URL and secret without raising an alert (and
// without the ClickHouse data directory, which a running TicketPulse may hold).
import { ConfigError } from '../../core/config/index.ts';
import type { AlertsConfig } from '../../core/config/alerts.ts';
import { TicketPulseError } from '../../core/errors.ts';
import { resolveChannels, validateAlertsConfig, type ResolvedChannel } from './config-validate.ts';
import { sendMessage } from './dispatcher.ts';
import type { FetchLike, SendOutcome } from './notifiers/index.ts';
import type { TestSendResult } from './service-types.ts';

export interface SendTestOptions {
  fetch?: FetchLike;
  now?: number;
  env?: Record<string, string | undefined>;
}

export async function sendTestMessage(config: AlertsConfig, channel: string, opts: SendTestOptions = {}): Promise<TestSendResult> {
  const issues = validateAlertsConfig(config, { env: opts.env });
  if (issues.length > 0) throw new ConfigError(issues);
  const channels = resolveChannels(config, opts.env);
  const c = channels.get(channel);
  if (!c) throw unknownChannel(channel, [...channels.keys()]);
  return sendTestTo(c, { fetch: opts.fetch ?? fetch, timezone: config.timezone, maxRetryAfterMs: config.delivery.maxRetryAfterMs, now: opts.now ?? Date.now() });
}

export function unknownChannel(name: string, known: string[]): TicketPulseError {
  return new TicketPulseError('not_found', `no alert channel ${JSON.stringify(name)}; configured channels: ${known.length ? known.join(', ') : '(none — add alerts.channels to the config)'}`, {
    field: 'channel',
  });
}

export async function sendTestTo(
  channel: ResolvedChannel,
  opts: { fetch: FetchLike; timezone: string; maxRetryAfterMs: number; now: number },
): Promise<TestSendResult> {
  const started = performance.now();
  const outcome: SendOutcome = await sendMessage(
    channel,
    { type: 'test', notification: 'test', channel: channel.name, sent_at: opts.now },
    `test:${channel.name}:${opts.now}`,
    opts.now,
    opts,
  );
  return {
    channel: channel.name,
    type: channel.type,
    ok: outcome.ok,
    status: outcome.status,
    error: outcome.ok ? null : outcome.error,
    ms: Math.round(performance.now() - started),
  };
}
