// The Dockerfile, read rather than built (no Docker engine here): multi-stage, the same
// install and test commands CI runs (.ci/run), production dependencies only, a
// non-root runtime, and every source folder the CLI imports copied into the image.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

/** Instructions per stage, with line continuations joined and comments dropped. */
function stages(text: string): Stage[] {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ name: from[2] ?? String(out.length), from: from[1], lines: [] });
    else out[out.length - 1]?.lines.push(line);
  }
  return out;
}

const dockerfile = read('Dockerfile');
const all = stages(dockerfile);
const stage = (name: string) => {
  const s = all.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile has no stage ${name}`);
  return s;
};
const runtime = all[all.length - 1];
const ciRun = read('.ci/run');
const pkg = JSON.parse(read('package.json')) as { engines?: { node?: string }; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

/** Flags of the first `npm ci` in a text. */
const npmCiFlags = (text: string) => (/npm ci((?:\s+--[\w=-]+)*)/.exec(text)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);

describe('Dockerfile', () => {
  it('is multi-stage, ending in the runtime stage docker-compose builds', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(runtime.name).toBe('runtime');
    expect(read('docker-compose.yml')).toContain('target: runtime');
  });

  it('uses the Node major version package.json requires', () => {
    const major = /(\d+)/.exec(pkg.engines?.node ?? '')?.[1];
    expect(/ARG NODE_VERSION=(\d+)/.exec(dockerfile)?.[1]).toBe(major);
    for (const s of all) expect(s.from, s.name).toMatch(/^node:\$\{NODE_VERSION\}-bookworm/);
  });

  it('installs production dependencies only, with the flags CI installs with', () => {
    const ci = npmCiFlags(ciRun);
    expect(ci.length).toBeGreaterThan(0);
    const install = stage('deps').lines.find((l) => /npm ci/.test(l)) ?? '';
    expect(npmCiFlags(install).sort()).toEqual([...ci, '--omit=dev'].sort());
    expect(runtime.lines).toContain('COPY --from=deps /app/node_modules ./node_modules');
    // The CLI runs TypeScript through tsx at run time: it must survive --omit=dev.
    expect(read('bin/ticketpulse')).toMatch(/from 'tsx\/esm\/api'/);
    expect(Object.keys(pkg.dependencies ?? {})).toContain('tsx');
    expect(Object.keys(pkg.devDependencies ?? {})).not.toContain('tsx');
  });

  it('has a test stage that runs exactly what CI runs', () => {
    expect(stage('test').lines).toContain('RUN bash .ci/run');
    expect(ciRun).toMatch(/npm test/);
  });

  it('runs as a non-root user', () => {
    const users = runtime.lines.filter((l) => /^USER\s/i.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^USER\s+(root|0)(:|$|\s)/i);
  });

  it('starts the CLI through bin/ticketpulse', () => {
    expect(runtime.lines).toContain('ENTRYPOINT ["node", "/app/bin/ticketpulse"]');
  });

  it('copies every folder the CLI imports, and every COPY source exists', () => {
    const copied = runtime.lines
      .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.replace(/^COPY\s+/i, '').split(/\s+/).slice(0, -1));
    for (const src of copied) expect(existsSync(join(ROOT, src)), src).toBe(true);
    const needed = topLevelDirs(importsFrom('cli/main.ts'));
    for (const dir of needed) expect(copied, `cli imports ${dir}/ but the image lacks it`).toContain(dir);
    expect(copied).toContain('bin');
    expect(copied).toContain('deploy/healthcheck.mjs');
  });

  it('keeps local state and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'data', '.git', '.env']) expect(ignored).toContain(entry);
  });
});

/** Every repository file reachable through relative static and dynamic imports. */
function importsFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = read(file);
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), m[1]));
      if (existsSync(join(ROOT, target)) && statSync(join(ROOT, target)).isFile()) queue.push(target);
    }
  }
  return seen;
}

function topLevelDirs(files: Set<string>): string[] {
  const dirs = new Set([...files].filter((f) => f.includes('/')).map((f) => f.split('/')[0]));
  // Sanity: the walker really found the CLI's dependencies.
  expect(readdirSync(ROOT)).toEqual(expect.arrayContaining([...dirs]));
  return [...dirs].sort();
}
