#!/usr/bin/env node
// chdb ships its engine as per-platform optional packages. The registry this project is
// developed against only serves the linux-x64 one, so `npm install` silently drops the
// others from package-lock.json, and `npm ci` then refuses the lockfile as "out of sync"
// on every machine. This restores the missing entries (version and platform fields only:
// npm skips them on non-matching platforms, and fetches them by version where they match).
// Run after any `npm install` that rewrites the lockfile: `node scripts/lock-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const PLATFORMS = {
  '@chdb/lib-darwin-arm64': { cpu: ['arm64'], os: ['darwin'] },
  '@chdb/lib-darwin-x64': { cpu: ['x64'], os: ['darwin'] },
  '@chdb/lib-linux-arm64-gnu': { cpu: ['arm64'], libc: ['glibc'], os: ['linux'] },
  '@chdb/lib-linux-x64-gnu': { cpu: ['x64'], libc: ['glibc'], os: ['linux'] },
};

const chdb = lock.packages['node_modules/chdb'];
if (!chdb) throw new Error('package-lock.json has no node_modules/chdb entry');
let added = 0;
for (const [name, platform] of Object.entries(PLATFORMS)) {
  const key = `node_modules/${name}`;
  const version = chdb.optionalDependencies?.[name];
  if (!version || lock.packages[key]) continue;
  lock.packages[key] = { version, ...platform, license: 'Apache-2.0', optional: true };
  added++;
}
const [root, ...rest] = Object.keys(lock.packages);
lock.packages = Object.fromEntries(
  [root, ...rest.sort()].map((k) => [k, lock.packages[k]]),
);
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: ${added} platform entr${added === 1 ? 'y' : 'ies'} added`);
