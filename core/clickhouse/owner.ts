// chDB allows one process per data directory. The process that holds it records
// itself here, so a second process (e.g. `ticketpulse query`) can say who holds
// the directory and reach that process's API instead.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DataDirOwner {
  pid: number;
  command: string;
  startedAt: string;
  /** Base URL of the owner's HTTP API, once it listens. */
  apiUrl?: string;
}

const OWNER_FILE = 'ticketpulse-owner.json';

export function ownerFile(dataDir: string): string {
  return join(dataDir, OWNER_FILE);
}

export function writeOwner(dataDir: string, owner: DataDirOwner): void {
  const path = ownerFile(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(owner));
  renameSync(tmp, path);
}

/** The live owner of the data directory, or null (a stale file from a dead process is ignored). */
export function readOwner(dataDir: string): DataDirOwner | null {
  const path = ownerFile(dataDir);
  if (!existsSync(path)) return null;
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as DataDirOwner;
    if (typeof owner.pid !== 'number' || !isAlive(owner.pid)) return null;
    return owner;
  } catch {
    return null;
  }
}

export function clearOwner(dataDir: string, pid = process.pid): void {
  const current = readOwnerRaw(dataDir);
  if (current && current.pid === pid) rmSync(ownerFile(dataDir), { force: true });
}

function readOwnerRaw(dataDir: string): DataDirOwner | null {
  try {
    return JSON.parse(readFileSync(ownerFile(dataDir), 'utf8')) as DataDirOwner;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
