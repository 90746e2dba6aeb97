// Child process for tests/integration/alerts-crash.test.ts: raises alerts into the
// embedded ClickHouse, or runs the delivery loop, until the test kills it.
//
//   node --import tsx tests/support/alerts-crash-child.ts <dataDir> <receiverUrl> raise <count>
//   node --import tsx tests/support/alerts-crash-child.ts <dataDir> <receiverUrl> deliver
//
// stdout protocol, one line each:
//   ready              data directory opened and migrated
//   stored <n>         (raise) n alerts and their notifications are stored; nothing was sent
//   drained <n>        (deliver) the outbox is empty after n delivery passes; exits 0
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { openClickHouse } from '../../core/clickhouse/index.ts';
import { migrate } from '../../core/schema/index.ts';
import { createAlertService } from '../../processors/alerts/index.ts';
import { alertsConfig, breach } from './alerts-fixtures.ts';
import { testConfig } from './clickhouse.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main([dataDir, url, mode, countArg]: string[]): Promise<void> {
  const config = testConfig(dataDir);
  const ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir, command: 'alerts-crash-child' });
  await migrate(ch, { cluster: null, retention: config.retention });
  const svc = createAlertService({
    ch,
    config: alertsConfig({
      delivery: { maxAttempts: 50, retryBaseMs: 50, retryMaxMs: 500, timeoutMs: 5_000, pollIntervalMs: 20 },
      rateLimit: { maxMessages: 100_000, windowSeconds: 60 },
      channels: { hook: { type: 'webhook', url, secret: 'crash' } },
      routes: [{ channels: ['hook'] }],
    }),
    metrics: null,
  });
  say('ready');
  if (mode === 'raise') {
    const count = Number(countArg);
    for (let i = 0; i < count; i += 50) {
      await svc.raiseMany(Array.from({ length: Math.min(50, count - i) }, (_, k) => breach(`C-${i + k}`)));
    }
    say(`stored ${count}`);
    // Wait to be killed: the delivery loop was never started.
    setInterval(() => undefined, 60_000);
    return;
  }
  await svc.start();
  let passes = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    passes++;
    if (svc.status().pendingDeliveries === 0) break;
  }
  await svc.stop();
  await ch.close();
  say(`drained ${passes}`);
  process.exit(0);
}

const entry = process.argv[1];
if (entry && pathToFileURL(realpathSync(entry)).href === import.meta.url) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`alerts-crash-child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
