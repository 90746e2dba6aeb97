// `ticketpulse ingest` as a child process for the crash and shutdown tests: the same
// command the CLI registers, with the same global options, so the tests exercise the
// real composition (openAndMigrate, createWriter, signals, exit code).
//   node --import tsx tests/support/kafka-ingest-child.ts --data-dir DIR ingest --brokers … --topics … --group …
// TICKETPULSE_TEST_COMMIT_DELAY_MS delays every offset commit on the wire, widening
// the window between "stored" and "committed" so that a kill lands in it.
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerIngestCommand } from '../../cli/commands/ingest.ts';

const delayMs = Number(process.env.TICKETPULSE_TEST_COMMIT_DELAY_MS ?? 0);
if (delayMs > 0) {
  const require = createRequire(import.meta.url);
  const OffsetManager = require('kafkajs/src/consumer/offsetManager/index.js') as { prototype: { commitOffsets(...args: unknown[]): Promise<void> } };
  const commit = OffsetManager.prototype.commitOffsets;
  OffsetManager.prototype.commitOffsets = async function delayedCommit(this: unknown, ...args: unknown[]) {
    await new Promise((r) => setTimeout(r, delayMs));
    return commit.apply(this, args);
  };
}

const program = new Command('ticketpulse')
  .option('-c, --config <file>')
  .option('--data-dir <dir>')
  .option('--log-level <level>');
registerIngestCommand(program);
await program.parseAsync(process.argv);
