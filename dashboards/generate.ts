// Writes dashboards/generated/*.json and the catalogue in dashboards/README.md from the
// definitions. `--check` writes nothing: it fails (exit 1) when a file is out of date
// or a dashboard fails the structural checks, and says which and where.
//
//   npx tsx dashboards/generate.ts            # regenerate
//   npx tsx dashboards/generate.ts --check    # CI / tests: is everything up to date?
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_DIR, README, checkAll, renderDashboards, withCatalogue } from './render.ts';

export interface GenerationResult {
  /** Paths (repository-relative) that differ from what generation produces. */
  outdated: string[];
  /** Stale generated files that no definition produces any more. */
  stale: string[];
  problems: string[];
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Everything generation would write, including README.md. */
export function expectedFiles(root = ROOT): Map<string, string> {
  const files = renderDashboards();
  const readmePath = join(root, README);
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  files.set(README, withCatalogue(readme));
  return files;
}

export function compare(root = ROOT): GenerationResult {
  const files = expectedFiles(root);
  const outdated: string[] = [];
  for (const [path, content] of files) {
    const abs = join(root, path);
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== content) outdated.push(path);
  }
  return { outdated, stale: staleFiles(root, files), problems: checkAll() };
}

export function generate(root = ROOT): GenerationResult {
  const files = expectedFiles(root);
  const problems = checkAll();
  const result: GenerationResult = { outdated: [], stale: staleFiles(root, files), problems };
  if (problems.length > 0) return result;
  mkdirSync(join(root, GENERATED_DIR), { recursive: true });
  for (const [path, content] of files) {
    const abs = join(root, path);
    if (existsSync(abs) && readFileSync(abs, 'utf8') === content) continue;
    writeFileSync(abs, content);
    result.outdated.push(path);
  }
  for (const path of result.stale) rmSync(join(root, path));
  return result;
}

function staleFiles(root: string, files: Map<string, string>): string[] {
  const dir = join(root, GENERATED_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${GENERATED_DIR}/${f}`)
    .filter((p) => !files.has(p));
}

/** The first line where two texts differ, for a readable --check failure. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `line ${i + 1}:\n  - ${a[i] ?? '(end of file)'}\n  + ${e[i] ?? '(end of file)'}`;
  }
  return '';
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  if (check) {
    const r = compare();
    for (const p of r.problems) process.stderr.write(`check: ${p}\n`);
    const files = expectedFiles();
    for (const path of r.outdated) {
      const abs = join(ROOT, path);
      const actual = existsSync(abs) ? readFileSync(abs, 'utf8') : '';
      process.stderr.write(`out of date: ${path}${actual ? ` (${firstDifference(actual, files.get(path) ?? '')})` : ' (missing)'}\n`);
    }
    for (const path of r.stale) process.stderr.write(`stale: ${path} (no definition produces it)\n`);
    if (r.problems.length + r.outdated.length + r.stale.length > 0) {
      process.stderr.write('run `npx tsx dashboards/generate.ts` (npm run dashboards) and commit the result\n');
      return 1;
    }
    process.stdout.write(`dashboards up to date: ${[...files.keys()].join(', ')}\n`);
    return 0;
  }
  const r = generate();
  if (r.problems.length > 0) {
    for (const p of r.problems) process.stderr.write(`check: ${p}\n`);
    process.stderr.write('nothing written: fix the definitions first\n');
    return 1;
  }
  for (const path of r.outdated) process.stdout.write(`wrote ${path}\n`);
  for (const path of r.stale) process.stdout.write(`removed ${path}\n`);
  if (r.outdated.length + r.stale.length === 0) process.stdout.write('dashboards already up to date\n');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
