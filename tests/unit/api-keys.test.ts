import { describe, expect, it } from 'vitest';
import { KeyStore, generateApiKey, hashSecret, presentedKey } from '../../api/auth/index.ts';
import { isLoopback } from '../../api/plugins/security.ts';
import { scrubUrl } from '../../api/server.ts';

describe('API keys', () => {
  it('creates a key whose entry stores only the hash, and verifies it with its scopes', () => {
    const { key, entry } = generateApiKey(['read', 'sql', 'read'], 'grafana');
    expect(key).toMatch(/^tp_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(entry.scopes).toEqual(['read', 'sql']);
    expect(JSON.stringify(entry)).not.toContain(key.slice(16));
    expect(entry.sha256).toBe(hashSecret(key.slice(`tp_${entry.id}_`.length)));
    const p = new KeyStore([entry]).verify(key);
    expect(p).toMatchObject({ keyId: entry.id, name: 'grafana', open: false });
    expect([...p!.scopes]).toEqual(['read', 'sql']);
  });

  it('refuses unknown, tampered, malformed, revoked and expired keys alike', () => {
    const a = generateApiKey(['read']);
    const b = generateApiKey(['read']);
    const store = new KeyStore([a.entry, { ...b.entry, revoked: true }]);
    const tampered = a.key.slice(0, -1) + (a.key.endsWith('A') ? 'B' : 'A');
    for (const k of [tampered, b.key, 'tp_short_x', '', 'Bearer', generateApiKey(['read']).key, `${a.key} `]) expect(store.verify(k), k).toBeNull();
    const expired = new KeyStore([{ ...a.entry, expiresAt: '2020-01-01T00:00:00Z' }]);
    expect(expired.verify(a.key)).toBeNull();
    const future = new KeyStore([{ ...a.entry, expiresAt: '2999-01-01T00:00:00Z' }]);
    expect(future.verify(a.key)).not.toBeNull();
  });

  it('reads the key from Bearer, Basic (password) and X-ClickHouse-Key', () => {
    expect(presentedKey({ authorization: 'Bearer tp_abc' })).toBe('tp_abc');
    expect(presentedKey({ authorization: `Basic ${Buffer.from('grafana:tp_k:with:colons').toString('base64')}` })).toBe('tp_k:with:colons');
    expect(presentedKey({ 'x-clickhouse-key': 'tp_x', 'x-clickhouse-user': 'u' })).toBe('tp_x');
    expect(presentedKey({ authorization: 'Digest x' })).toBeNull();
    expect(presentedKey({})).toBeNull();
  });
});

describe('listening and logging helpers', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com']) expect(isLoopback(h), h).toBe(false);
  });

  it('scrubs credentials from logged URLs', () => {
    expect(scrubUrl('/clickhouse?user=a&password=tp_secret&query=SELECT%201')).toBe('/clickhouse?user=a&password=[redacted]&query=SELECT%201');
    expect(scrubUrl('/x?key=abc&access_token=def')).toBe('/x?key=[redacted]&access_token=[redacted]');
  });
});
