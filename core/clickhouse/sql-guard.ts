// Decides whether an analyst's statement may run, using the engine's own parser.
//
// The engine enforces readonly=1 and the limits when the statement runs (see
// read-engine.ts). That alone is not enough in embedded mode, measured on chDB 26.7:
// the scalar file() still reads host files, INTO OUTFILE still writes, and a nested
// `SETTINGS readonly = 0` in a subquery overrides the outer readonly=1. So before a
// statement runs, the guard asks the engine to parse it — never to run it:
//   1. formatQuerySingleLine({q:String}) with the text as a bound parameter: a syntax
//      check that also refuses multi-statements, and a canonical text (comments gone,
//      keywords normalised) for the few textual checks;
//   2. EXPLAIN AST <statement>, one parse-tree node per row, walked against the
//      allowlists in sql-policy.ts.
// Any doubt refuses. Verdicts are cached by statement text and parameters.
import { TicketPulseError } from '../errors.ts';
import { parseEngineError } from './engine-error.ts';
import { AstShapeError, functionName, parseExplainAst, walk, type AstNode } from './sql-ast.ts';
import {
  INFORMATION_SCHEMA_ALLOWED,
  NODE_KINDS,
  ROOT_KINDS,
  STATIC_POLICY,
  SYSTEM_TABLES_ALLOWED,
  TABLE_FUNCTIONS_ALLOWED,
  buildPolicy,
  type EngineCatalogue,
  type SqlPolicy,
} from './sql-policy.ts';

export type QueryParams = Record<string, unknown>;

/** The engine calls the guard needs; none of them executes the analyst's statement. */
export interface ParseSource {
  formatSingleLine(sql: string): Promise<string>;
  explainAst(sql: string, params?: QueryParams): Promise<string[]>;
  catalogue(): Promise<EngineCatalogue>;
}

export interface GuardOptions {
  /** Allow a FORMAT clause (the ClickHouse-compatible endpoint); otherwise it is refused. */
  allowFormat?: boolean;
  params?: QueryParams;
}

export interface Verdict {
  /** The statement to run: the analyst's text without a trailing semicolon. */
  sql: string;
  /** The engine's canonical single-line form (for logs). */
  canonical: string;
  rootKind: string;
  /** Format named by a FORMAT clause, in the engine's spelling, when there is one. */
  format: string | null;
}

const READ_ONLY_HINT = 'only read queries are allowed (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS)';
const EXPLAIN_KINDS = new Set(['EXPLAIN', 'EXPLAIN AST', 'EXPLAIN SYNTAX', 'EXPLAIN PLAN', 'EXPLAIN PIPELINE', 'EXPLAIN ESTIMATE', 'EXPLAIN QUERY TREE']);
const CACHE_SIZE = 500;
const CACHE_MAX_KEY = 16_384;

export class SqlGuard {
  private policy: Promise<SqlPolicy> | null = null;
  private readonly cache = new Map<string, Verdict | TicketPulseError>();

  constructor(
    private readonly source: ParseSource,
    private readonly maxQueryBytes: number,
  ) {}

  async check(sql: string, opts: GuardOptions = {}): Promise<Verdict> {
    const key = `${opts.allowFormat ? 'F' : '-'}\u0000${sql}\u0000${opts.params ? JSON.stringify(opts.params) : ''}`;
    const cached = this.cache.get(key);
    if (cached) {
      // Re-insert to keep the map in least-recently-used order.
      this.cache.delete(key);
      this.cache.set(key, cached);
      if (cached instanceof TicketPulseError) throw cached;
      return cached;
    }
    let result: Verdict | TicketPulseError;
    try {
      result = await this.decide(sql, opts);
    } catch (err) {
      if (!(err instanceof TicketPulseError) || err.code === 'clickhouse_unavailable') throw err;
      result = err;
    }
    // Dashboards repeat short statements; long one-off texts are not worth the memory.
    if (key.length <= CACHE_MAX_KEY) {
      this.cache.set(key, result);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    if (result instanceof TicketPulseError) throw result;
    return result;
  }

  private async decide(input: string, opts: GuardOptions): Promise<Verdict> {
    const sql = prepare(input, this.maxQueryBytes);
    const canonical = await this.canonical(sql);
    checkCanonical(canonical, opts.params);
    const tree = await this.parseTree(sql, opts.params);
    const policy = await this.loadPolicy();
    checkTree(tree, policy);
    const format = formatOf(tree, canonical, policy);
    if (format && !opts.allowFormat) refuse('bad_request', 'leave out FORMAT; choose the output format with the format option (--format, or "format" in the request)');
    return { sql, canonical, rootKind: tree.kind, format };
  }

  /** A format name for results (e.g. the HTTP default_format) in the engine's spelling; refused if not offered. */
  async resolveFormat(name: string): Promise<string> {
    const known = (await this.loadPolicy()).outputFormats.get(name.toLowerCase());
    if (!known) refuse('forbidden', `output format ${name} is not available through this endpoint`, { code: 73, type: 'UNKNOWN_FORMAT' });
    return known;
  }

  private async canonical(sql: string): Promise<string> {
    try {
      return await this.source.formatSingleLine(sql);
    } catch (err) {
      const e = parseEngineError(err);
      if (e.code === null) throw new TicketPulseError('clickhouse_unavailable', `ClickHouse did not answer: ${e.message}`, { cause: err, retriable: true });
      if (/Multi-statements are not allowed/i.test(e.message)) refuse('bad_request', 'one statement per query', e);
      refuse(isRefusal(e.type) ? 'forbidden' : 'bad_request', `query failed: ${e.message}`, e);
    }
  }

  private async parseTree(sql: string, params?: QueryParams): Promise<AstNode> {
    let lines: string[];
    try {
      lines = await this.source.explainAst(sql, params);
    } catch (err) {
      const e = parseEngineError(err);
      if (e.code === null) throw new TicketPulseError('clickhouse_unavailable', `ClickHouse did not answer: ${e.message}`, { cause: err, retriable: true });
      refuse(isRefusal(e.type) ? 'forbidden' : 'bad_request', `query failed: ${e.message}`, e);
    }
    if (lines.some((l) => /[\r\n]/.test(l))) refuse('forbidden', 'identifiers may not contain line breaks');
    try {
      return parseExplainAst(lines.join('\n'));
    } catch (err) {
      if (err instanceof AstShapeError) refuse('forbidden', `the query could not be verified as read-only (${err.message})`);
      throw err;
    }
  }

  private loadPolicy(): Promise<SqlPolicy> {
    this.policy ??= this.source.catalogue().then(buildPolicy, () => {
      // Retry on the next query; until then the static lists (which are the core of the policy) apply.
      this.policy = null;
      return STATIC_POLICY;
    });
    return this.policy;
  }
}

function isRefusal(type: string | null): boolean {
  return type === 'READONLY' || type === 'ACCESS_DENIED';
}

function refuse(code: 'bad_request' | 'forbidden' | 'payload_too_large', message: string, engine?: { code: number | null; type: string | null }): never {
  const details = engine ? { clickhouseCode: engine.code, clickhouseType: engine.type } : undefined;
  throw new TicketPulseError(code, message, { field: 'query', details });
}

/** Text-level checks before the engine sees the statement (in addition, never instead). */
export function prepare(input: string, maxBytes: number): string {
  if (Buffer.byteLength(input) > maxBytes) refuse('payload_too_large', `the query is longer than ${maxBytes} bytes`);
  if (input.includes('\u0000')) refuse('bad_request', 'the query contains a NUL character');
  const sql = input.trim().replace(/;\s*$/, '').trimEnd();
  if (sql.length === 0) refuse('bad_request', 'the query is empty');
  return sql;
}

const STRING_LITERAL = /'(?:[^'\\]|\\[\s\S])*'/g;
const BACKTICK_IDENT = /`(?:[^`\\]|\\[\s\S])*`/g;

/** Checks on the engine's canonical text, where comments are gone and literals are escaped. */
function checkCanonical(canonical: string, params?: QueryParams): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(canonical)) refuse('forbidden', 'identifiers may not contain control characters');
  const outsideLiterals = canonical.replace(STRING_LITERAL, "''");
  for (const ident of outsideLiterals.match(BACKTICK_IDENT) ?? []) {
    if (ident.includes('\\')) refuse('forbidden', 'identifiers may not contain escape sequences');
  }
  if (/\bINTO\s+OUTFILE\b/i.test(outsideLiterals)) refuse('forbidden', 'INTO OUTFILE is not allowed: results are returned, never written to files');
  // {name:Identifier} parameters become table or column names: keep them plain names.
  for (const m of outsideLiterals.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*Identifier\s*\}/gi)) {
    const value = params?.[m[1]];
    if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(value)) {
      refuse('bad_request', `parameter ${m[1]} (Identifier) must be a plain name such as ticket_events`);
    }
  }
}

function checkTree(root: AstNode, policy: SqlPolicy): void {
  if (!ROOT_KINDS.has(root.kind)) refuse('forbidden', `${READ_ONLY_HINT}; got ${statementName(root)}`);
  if (root.kind === 'Explain') {
    if (!EXPLAIN_KINDS.has(root.text)) refuse('forbidden', `${root.text} is not allowed`);
    if (!root.children.some((c) => c.kind === 'SelectWithUnionQuery')) refuse('forbidden', 'EXPLAIN is allowed for SELECT queries only');
  }
  // A string literal directly under a statement is the target of INTO OUTFILE.
  if (root.children.some((c) => c.kind === 'Literal')) refuse('forbidden', 'INTO OUTFILE is not allowed: results are returned, never written to files');

  for (const node of walk(root)) {
    if (!NODE_KINDS.has(node.kind)) refuse('forbidden', `the construct ${node.kind} is not allowed in ad-hoc queries (it hides expressions from the read-only check)`);
    if (node.kind === 'Set') {
      refuse('forbidden', 'SETTINGS are not allowed in ad-hoc queries: the server fixes readonly = 1 and the limits (max_execution_time, max_result_rows, max_result_bytes, max_memory_usage)');
    }
    if (node.kind === 'Function') checkFunction(node, policy);
    if (node.kind === 'TableIdentifier') checkTable(node.text);
    if (node.kind === 'Identifier') checkTable(node.text);
  }
}

function checkFunction(node: AstNode, policy: SqlPolicy): void {
  const name = functionName(node);
  const lower = name.toLowerCase();
  if (node.parent?.kind === 'TableExpression') {
    if (!TABLE_FUNCTIONS_ALLOWED.has(lower)) {
      refuse('forbidden', `table function ${name}() reaches outside the database and is not allowed (allowed: numbers, zeros, generateRandom, generate_series, values, null, view)`);
    }
    return;
  }
  if (policy.deniedFunctions.has(lower) || lower.startsWith('__')) {
    refuse('forbidden', `function ${name}() reaches outside the database (host files, network or server internals) and is not allowed`);
  }
}

/** system.* and information_schema.* tables outside the allowlists are refused, wherever they are named. */
function checkTable(text: string): void {
  const parts = text.split(' ')[0].split('.');
  if (parts.length < 2) return;
  const db = parts[0].toLowerCase();
  const table = parts[1].toLowerCase();
  if (db === 'system' && !SYSTEM_TABLES_ALLOWED.has(table)) {
    refuse('forbidden', `system.${parts[1]} is not readable through ad-hoc SQL (it can show other users' queries or host details); readable system tables: ${[...SYSTEM_TABLES_ALLOWED].join(', ')}`);
  }
  if (db === 'information_schema' && !INFORMATION_SCHEMA_ALLOWED.has(table)) {
    refuse('forbidden', `${parts[0]}.${parts[1]} is not readable through ad-hoc SQL`);
  }
}

function formatOf(root: AstNode, canonical: string, policy: SqlPolicy): string | null {
  let name: string | null = null;
  if (root.kind === 'SelectWithUnionQuery' || root.kind === 'DescribeQuery') {
    // The parser appends the FORMAT identifier after the statement's own first child.
    const extra = root.children.slice(1).filter((c) => c.kind === 'Identifier');
    name = extra.at(-1)?.text ?? null;
  } else {
    const m = /\sFORMAT\s+([A-Za-z0-9_]+)\s*$/.exec(canonical.replace(STRING_LITERAL, "''"));
    name = m?.[1] ?? null;
  }
  if (name === null) return null;
  const known = policy.outputFormats.get(name.toLowerCase());
  if (!known) refuse('forbidden', `output format ${name} is not available through this endpoint`, { code: 73, type: 'UNKNOWN_FORMAT' });
  return known;
}

function statementName(root: AstNode): string {
  const k = root.kind.replace(/Query$/, '');
  return k === 'SYSTEM' ? 'SYSTEM' : k;
}
