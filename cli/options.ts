// Shared option parsing for the CLI commands.
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type Config } from '../core/config/index.ts';

interface GlobalOptions {
  config?: string;
  dataDir?: string;
  logLevel?: string;
}

export function configFrom(cmd: Command, overrides: Record<string, unknown> = {}): Config {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  return loadConfig({
    file: g.config,
    overrides: { dataDir: g.dataDir, logLevel: g.logLevel, ...overrides },
  }).config;
}

export function intArg(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a whole number`);
    return Number(value);
  };
}

export function numberArg(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

