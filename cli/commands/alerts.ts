// `ticketpulse alerts test <channel>`: sends one test message to a configured channel
// and says whether it arrived. It talks to the channel directly, so it works while a
// running TicketPulse holds the data directory.
import type { Command } from 'commander';
import type { Config } from '../../core/config/index.ts';
import type { AlertsConfig } from '../../core/config/alerts.ts';
import { parseAlertsConfig, sendTestMessage, type SendTestOptions, type TestSendResult } from '../../processors/alerts/index.ts';
import { configFrom } from '../options.ts';

export function registerAlertsCommand(program: Command): void {
  const alerts = program.command('alerts').description('alert channels and notifications');
  alerts
    .command('test')
    .description('send a test message to a channel from alerts.channels and report the answer')
    .argument('<channel>', 'channel name, e.g. support-slack')
    .action(async (channel: string, _opts: unknown, cmd: Command) => {
      const result = await alertsTestCommand(alertsSection(configFrom(cmd)), channel, (s) => process.stdout.write(s));
      if (!result.ok) process.exitCode = 1;
    });
}

/** Prints one line either way; the caller turns a failure into the exit code. */
export async function alertsTestCommand(alerts: AlertsConfig, channel: string, out: (s: string) => void, opts: SendTestOptions = {}): Promise<TestSendResult> {
  const r = await sendTestMessage(alerts, channel, opts);
  if (r.ok) out(`test message delivered to ${r.channel} (${r.type}): HTTP ${r.status} in ${r.ms} ms\n`);
  else out(`test message to ${r.channel} (${r.type}) failed after ${r.ms} ms: ${r.error}\n`);
  return r;
}

/**
 * The parsed `alerts` section. Read through a cast so this compiles before and after
 * the section joins ConfigSchema; parsing again is harmless (defaults are idempotent).
 */
export function alertsSection(config: Config): AlertsConfig {
  return parseAlertsConfig((config as unknown as { alerts?: unknown }).alerts);
}
