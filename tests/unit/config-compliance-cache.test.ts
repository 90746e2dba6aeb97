// api.complianceCacheSeconds: default, 0 allowed (cache off), and a bad value stops
// start-up with a message that names the key — from loadConfig and from the CLI.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config/index.ts';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'tp-config-cache-'));

function withFile(yaml: string) {
  const dir = emptyDir();
  writeFileSync(join(dir, 'ticketpulse.config.yaml'), yaml);
  return () => loadConfig({ env: {}, cwd: dir });
}

describe('api.complianceCacheSeconds', () => {
  it('defaults to 10 and accepts 0 (off) and up to an hour', () => {
    expect(loadConfig({ env: {}, cwd: emptyDir() }).config.api.complianceCacheSeconds).toBe(10);
    expect(withFile('api:\n  complianceCacheSeconds: 0\n')().config.api.complianceCacheSeconds).toBe(0);
    expect(withFile('api:\n  complianceCacheSeconds: 3600\n')().config.api.complianceCacheSeconds).toBe(3600);
  });

  it.each([
    ['-1', />= 0/],
    ['2.5', /integer/],
    ['"ten"', /integer/],
    ['3601', /<= 3600/],
    ['null', /integer/],
  ])('refuses %s, naming the key', (value, message) => {
    let err: unknown;
    try {
      withFile(`api:\n  complianceCacheSeconds: ${value}\n`)();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issue = (err as ConfigError).issues.find((i) => i.key === 'api.complianceCacheSeconds');
    expect(issue, JSON.stringify((err as ConfigError).issues)).toBeDefined();
    expect(issue!.message).toMatch(message);
    expect((err as Error).message).toContain('api.complianceCacheSeconds');
  });

  it('stops `ticketpulse api` before it opens anything, naming the key', async () => {
    const dir = emptyDir();
    try {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, 'api:\n  complianceCacheSeconds: -5\n');
      const result = await promisify(execFile)('node', ['bin/ticketpulse', '--config', file, '--data-dir', join(dir, 'data'), 'api', '--port', '0'], { timeout: 30_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('api.complianceCacheSeconds');
      expect(existsSync(join(dir, 'data'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
