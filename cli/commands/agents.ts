// `ticketpulse agents recompute`: the agent-score recompute on demand — metrics,
// scores, a new routing weights version when weights moved, and its push to the
// configured feed (waiting a bounded time for the acknowledgement).
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../../core/config/index.ts';
import { createLogger } from '../../core/log.ts';
import { AgentsService, agentsConfigOf, createRoutingFeed, type RecomputeReport } from '../../processors/agents/index.ts';
import { configFrom, numberArg } from '../options.ts';
import { openAndMigrate } from '../runtime.ts';

interface RecomputeOptions {
  now?: number;
  json?: boolean;
  pushTimeout: number;
}

export function registerAgentsCommand(program: Command): void {
  const agents = program.command('agents').description('agent skill scores and routing weights');
  agents
    .command('recompute')
    .description('recompute agent metrics, skill scores and routing weights now (publishes a new version when weights moved)')
    .option('--now <iso>', 'evaluate as of this instant instead of now (ISO-8601)', isoArg)
    .option('--json', 'print the run report as JSON')
    .option('--push-timeout <seconds>', 'how long to wait for the feed to acknowledge a new version', numberArg('--push-timeout'), 30)
    .action(async (opts: RecomputeOptions, cmd: Command) => {
      const config = configFrom(cmd);
      await recompute(config, opts, (s) => process.stdout.write(s));
    });
}

function isoArg(value: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('--now must be an ISO-8601 instant, e.g. 2026-11-20T00:00:00Z');
  return ms;
}

export async function recompute(config: Config, opts: RecomputeOptions, out: (s: string) => void): Promise<RecomputeReport> {
  const log = createLogger(config.logLevel);
  const agentsConfig = agentsConfigOf(config);
  const ch = await openAndMigrate(config, 'agents recompute', log);
  const feed = createRoutingFeed({ ch, config: agentsConfig, kafkaBrokers: config.kafka.brokers, kafkaClientId: config.kafka.clientId, log });
  const service = new AgentsService({ ch, config: agentsConfig, feed, log });
  try {
    const report = await service.recompute({ now: opts.now });
    let pushed = true;
    if (feed && report.published) pushed = await feed.idle(opts.pushTimeout * 1000);
    if (opts.json) {
      out(`${JSON.stringify({ ...report, feed: feed?.stats() ?? [] })}\n`);
    } else {
      out(`${summary(report)}\n`);
      for (const s of feed?.stats() ?? []) {
        out(`feed ${s.sink}: ${s.pending === 0 ? `up to date (version ${s.lastDeliveredVersion ?? '-'})` : `${s.pending} version(s) not acknowledged yet — a running processor retries them (last error: ${s.lastError ?? 'none'})`}\n`);
      }
    }
    if (!pushed) process.exitCode = 3;
    return report;
  } finally {
    await service.close();
    await ch.close();
  }
}

function summary(r: RecomputeReport): string {
  const when = new Date(r.computedAt).toISOString();
  const version = r.published ? `published routing weights version ${r.version} (${r.groupsChanged} team × skill groups changed)` : `weights unchanged (version ${r.version})`;
  const basis = r.timeBasis === 'business' ? 'business time from ticket_sla' : `wall-clock time${r.slaNote ? ` (${r.slaNote})` : ''}`;
  return [
    `agents recomputed as of ${when} in ${(r.durationMs / 1000).toFixed(2)} s: ${r.agents} agents, ${r.skills} skills, ${r.scoreRows} scores`,
    version,
    `times: ${basis}; coaching insights: ${r.insights}`,
  ].join('\n');
}
