// deploy/clickhouse/users.d/analysts.xml: well-formed XML (parsed strictly, not
// pattern-matched), and the analyst user is what docs/security.md says: readonly = 1
// pinned, the same limits as TicketPulse's analysts' SQL, SELECT on one database and no
// other privilege, a hashed password that fails closed, a quota.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config/index.ts';

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A strict parser for the subset of XML that ClickHouse configuration files use:
 * elements, attributes, text, comments, an optional declaration. Anything else — an
 * unbalanced or crossed tag, an unquoted or repeated attribute, a bare `<` or `&`,
 * text outside the root, a second root — throws with the position.
 */
function parseXml(source: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${i}: ${JSON.stringify(source.slice(i, i + 40))}`);
  };
  const NAME = /[A-Za-z_][\w.-]*/y;
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(source);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const skipSpace = () => {
    while (i < source.length && /\s/.test(source[i])) i++;
  };
  const text = (raw: string): string => {
    if (/[<]/.test(raw)) fail('bare < in text');
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) fail('bare & in text');
    return raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        if (source.slice(i + 4, end).includes('--')) fail('-- inside a comment');
        i = end + 3;
      } else if (source.startsWith('<?', i)) {
        const end = source.indexOf('?>', i);
        if (end < 0) fail('unterminated declaration');
        i = end + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (source[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (source.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      const attr = readName();
      if (attr in el.attrs) fail(`attribute ${attr} twice`);
      skipSpace();
      if (source[i] !== '=') fail('expected =');
      i++;
      skipSpace();
      const quote = source[i];
      if (quote !== '"' && quote !== "'") fail('unquoted attribute value');
      const end = source.indexOf(quote, i + 1);
      if (end < 0) fail('unterminated attribute value');
      el.attrs[attr] = text(source.slice(i + 1, end));
      i = end + 1;
    }
    for (;;) {
      const next = source.indexOf('<', i);
      if (next < 0) fail(`</${el.name}> missing`);
      el.text += text(source.slice(i, next));
      i = next;
      if (source.startsWith('<!--', i)) {
        skipMisc();
        continue;
      }
      if (source.startsWith('</', i)) {
        i += 2;
        const name = readName();
        if (name !== el.name) fail(`</${name}> closes <${el.name}>`);
        skipSpace();
        if (source[i] !== '>') fail('expected >');
        i++;
        el.text = el.text.trim();
        return el;
      }
      el.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== source.length) fail('content after the root element');
  return root;
}

const child = (el: XmlElement | undefined, ...path: string[]): XmlElement | undefined =>
  path.reduce<XmlElement | undefined>((node, name) => {
    const found = node?.children.filter((c) => c.name === name) ?? [];
    if (found.length > 1) throw new Error(`<${name}> appears ${found.length} times under <${node!.name}>`);
    return found[0];
  }, el);
const value = (el: XmlElement | undefined, ...path: string[]) => child(el, ...path)?.text;

const FILE = 'deploy/clickhouse/users.d/analysts.xml';
const root = parseXml(readFileSync(FILE, 'utf8'));
const user = child(root, 'users', 'analyst');
const profile = child(root, 'profiles', 'analyst_readonly');

describe(FILE, () => {
  it('is well-formed XML with <clickhouse> as its root, and the parser is strict', () => {
    expect(root.name).toBe('clickhouse');
    for (const bad of ['<a><b></a></b>', '<a x=1/>', '<a>1 < 2</a>', '<a/><b/>', '<a>AT&T</a>', '<a x="1" x="2"/>', '<a><!-- x -- y --></a>', '<a>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
    expect(parseXml('<?xml version="1.0"?>\n<!-- c --><a k=\'v\'><b>1 &lt; 2</b><c/></a>\n')).toMatchObject({ name: 'a', attrs: { k: 'v' }, children: [{ name: 'b', text: '1 < 2' }, { name: 'c' }] });
  });

  it('defines the analyst user with the read-only profile and its quota', () => {
    expect(user).toBeDefined();
    expect(value(user, 'profile')).toBe('analyst_readonly');
    expect(value(user, 'quota')).toBe('analyst');
    expect(child(root, 'quotas', 'analyst', 'interval')).toBeDefined();
    expect(Number(value(root, 'quotas', 'analyst', 'interval', 'queries'))).toBeGreaterThan(0);
  });

  it('reads a password hash from the environment, never a password or none', () => {
    expect(child(user, 'password_sha256_hex')?.attrs.from_env).toBe('CLICKHOUSE_ANALYST_PASSWORD_SHA256');
    for (const other of ['password', 'no_password', 'password_double_sha1_hex', 'access_management']) expect(child(user, other), other).toBeUndefined();
  });

  it('grants SELECT on one database and nothing else', () => {
    const grants = child(user, 'grants')!.children.map((q) => {
      expect(q.name).toBe('query');
      return q.text;
    });
    expect(grants).toEqual(['GRANT SELECT ON ticketpulse.*']);
    // allow_databases and friends cannot be combined with grants; none is there.
    for (const legacy of ['databases', 'allow_databases', 'allow_dictionaries']) expect(child(user, legacy)).toBeUndefined();
  });

  it('is readonly = 1 with readonly, DDL and introspection pinned', () => {
    expect(value(profile, 'readonly')).toBe('1');
    expect(value(profile, 'allow_ddl')).toBe('0');
    expect(value(profile, 'allow_introspection_functions')).toBe('0');
    for (const pinned of ['readonly', 'allow_ddl', 'allow_introspection_functions']) {
      expect(child(profile, 'constraints', pinned, 'const'), pinned).toBeDefined();
    }
  });

  it("has TicketPulse's analysts' SQL limits (api.sql defaults), capped by constraints", () => {
    const sql = parseConfig({}).api.sql;
    const limits = {
      max_execution_time: sql.maxExecutionSeconds,
      max_result_rows: sql.maxResultRows,
      max_result_bytes: sql.maxResultBytes,
      max_memory_usage: sql.maxMemoryBytes,
    };
    for (const [name, limit] of Object.entries(limits)) {
      expect(Number(value(profile, name)), name).toBe(limit);
      expect(Number(value(profile, 'constraints', name, 'max')), `${name} max`).toBe(limit);
    }
    expect(value(profile, 'timeout_overflow_mode')).toBe('throw');
    expect(value(profile, 'result_overflow_mode')).toBe('throw');
    expect(Number(value(profile, 'max_concurrent_queries_for_user'))).toBe(sql.maxConcurrent);
  });
});
