// API keys: `tp_<id>_<secret>`. The id finds the configured entry (and is safe to
// log); only the SHA-256 of the secret is configured. The secret is 256 random
// bits, so a fast hash is as good as a slow one here, and it keeps verification
// cheap enough to run on every ingest request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry, ApiScope } from '../../core/config/index.ts';

export interface Principal {
  /** The key's id (`open` when the API runs without keys). */
  keyId: string;
  name?: string;
  scopes: ReadonlySet<ApiScope>;
  /** True when no keys are configured (loopback demo mode): every scope, no key. */
  open: boolean;
}

const KEY = /^tp_([a-z0-9]{8,32})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface NewKey {
  /** The full key: shown once, never stored. */
  key: string;
  entry: ApiKeyEntry;
}

export function generateApiKey(scopes: ApiScope[], name?: string): NewKey {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const entry: ApiKeyEntry = { id, ...(name ? { name } : {}), scopes: [...new Set(scopes)], sha256: hashSecret(secret), revoked: false };
  return { key: `tp_${id}_${secret}`, entry };
}

/** The configured keys, looked up by id and checked in constant time. */
export class KeyStore {
  private readonly byId = new Map<string, ApiKeyEntry>();

  constructor(entries: readonly ApiKeyEntry[]) {
    for (const e of entries) this.byId.set(e.id, e);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The principal for a presented key, or null when it is malformed, unknown, revoked or expired. */
  verify(presented: string, now = Date.now()): Principal | null {
    const m = KEY.exec(presented);
    if (!m) return null;
    const entry = this.byId.get(m[1]);
    if (!entry || entry.revoked) return null;
    if (entry.expiresAt && Date.parse(entry.expiresAt) <= now) return null;
    const actual = Buffer.from(hashSecret(m[2]), 'hex');
    const expected = Buffer.from(entry.sha256, 'hex');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
    return { keyId: entry.id, name: entry.name, scopes: new Set(entry.scopes), open: false };
  }
}

/** Where a request may carry its key: Bearer (the API's way), Basic password or X-ClickHouse-Key (ClickHouse clients). */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = first(headers.authorization);
  if (auth) {
    const [scheme, value = ''] = auth.trim().split(/\s+/, 2);
    if (/^bearer$/i.test(scheme)) return value || null;
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 ? decoded.slice(colon + 1) || null : null;
    }
    return null;
  }
  return first(headers['x-clickhouse-key']) ?? null;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
