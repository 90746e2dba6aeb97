// The ClickHouse HTTP interface's conventions, for the /clickhouse endpoint: which
// URL parameters are settings and which of those a read-only analyst may pass,
// content types per format, and ClickHouse-style error answers.
import { isTicketPulseError, type TicketPulseError } from '../../core/errors.ts';

/** HTTP-level parameters with no effect on what the statement may do; accepted and ignored. */
const IGNORED = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'wait_end_of_query',
  'buffer_size',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'cancel_http_readonly_queries_on_client_close',
  'add_http_cors_header',
  'quota_key',
  'role',
  'user',
  'password',
  'readonly', // always 1 here
  'result_overflow_mode',
  'timeout_overflow_mode',
]);

/** Settings a read-only analyst may pass: output shape only, or limits lower than the server's (the lower one applies). */
const ALLOWED = new Set([
  'max_execution_time',
  'max_result_rows',
  'max_result_bytes',
  'max_memory_usage',
  'max_threads',
  'max_block_size',
  'extremes',
  'join_use_nulls',
  'session_timezone',
  'date_time_output_format',
  'format_csv_delimiter',
  'format_csv_null_representation',
  'format_tsv_null_representation',
  'output_format_json_quote_64bit_integers',
  'output_format_json_quote_64bit_floats',
  'output_format_json_quote_denormals',
  'output_format_json_quote_decimals',
  'output_format_json_named_tuples_as_objects',
  'output_format_json_array_of_rows',
  'output_format_json_validate_utf8',
  'output_format_json_escape_forward_slashes',
  'output_format_json_pretty_print',
  'output_format_write_statistics',
  'output_format_decimal_trailing_zeros',
  'output_format_csv_crlf_end_of_line',
  'output_format_tsv_crlf_end_of_line',
  'output_format_arrow_compression_method',
  'output_format_arrow_string_as_string',
  'output_format_arrow_low_cardinality_as_dictionary',
  'output_format_arrow_fixed_string_as_fixed_byte_array',
  'output_format_parquet_compression_method',
  'output_format_parquet_string_as_string',
  'output_format_native_encode_types_in_binary_format',
  'output_format_binary_encode_types_in_binary_format',
  'output_format_pretty_max_rows',
  'output_format_pretty_color',
  'output_format_pretty_row_numbers',
  'output_format_pretty_grid_charset',
]);

export interface SplitParams {
  params: Record<string, string>;
  settings: Record<string, string | number>;
}

export class SettingRefused extends Error {
  constructor(readonly setting: string) {
    super(`Cannot modify '${setting}' setting in readonly mode: this endpoint accepts output-format settings and lower limits only`);
  }
}

/** Splits URL parameters into `param_<name>` query parameters and settings; refuses settings outside the allowlist. */
export function splitUrlParams(query: Record<string, unknown>): SplitParams {
  const params: Record<string, string> = {};
  const settings: Record<string, string | number> = {};
  for (const [key, raw] of Object.entries(query)) {
    const value = Array.isArray(raw) ? String(raw.at(-1)) : String(raw ?? '');
    if (key.startsWith('param_')) {
      params[key.slice('param_'.length)] = value;
      continue;
    }
    if (IGNORED.has(key)) continue;
    if (!ALLOWED.has(key) || !/^[A-Za-z0-9_.:+\-/ ]{0,64}$/.test(value)) throw new SettingRefused(key);
    settings[key] = /^\d+$/.test(value) ? Number(value) : value;
  }
  return { params, settings };
}

const COMPOUND = /^(Array|Map|Tuple|Nested|JSON|Object|Variant|Dynamic)\b/i;
const ESCAPES: Record<string, string> = { b: '\b', f: '\f', r: '\r', n: '\n', t: '\t', '0': '\0', a: '\x07', v: '\v' };

/**
 * ClickHouse reads `param_<name>` values in its escaped text format (what clients
 * send: `it\'s`, `['a','b\'c']`). The embedded engine's binder takes a JS string
 * and escapes it again, so scalar values are unescaped here, and the quoted strings
 * inside compound values (arrays, maps, tuples) are rewritten with their characters
 * raw and quotes doubled, which survives that second escaping. `\N` is NULL.
 */
export function decodeHttpParams(sql: string, params: Record<string, string>): Record<string, string | null> {
  const types = new Map<string, string>();
  for (const m of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^}]+)\}/g)) types.set(m[1], m[2].trim());
  const out: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(params)) {
    const type = (types.get(name) ?? 'String').replace(/^(Nullable|LowCardinality)\(/gi, '').replace(/^(Nullable|LowCardinality)\(/gi, '');
    if (value === '\\N') out[name] = null;
    else if (COMPOUND.test(type)) out[name] = rawQuotedStrings(value);
    else out[name] = unescape(value);
  }
  return out;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/gs, (_m, c: string) => ESCAPES[c] ?? c);
}

function rawQuotedStrings(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] !== "'") {
      out += text[i++];
      continue;
    }
    let raw = '';
    i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '\\' && i + 1 < text.length) {
        raw += ESCAPES[text[i + 1]] ?? text[i + 1];
        i += 2;
      } else if (c === "'" && text[i + 1] === "'") {
        raw += "'";
        i += 2;
      } else if (c === "'") {
        i++;
        break;
      } else {
        raw += c;
        i++;
      }
    }
    out += `'${raw.replace(/'/g, "''")}'`;
  }
  return out;
}

export function contentTypeFor(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('jsoneachrow') || f.startsWith('jsoncompacteachrow') || f.startsWith('jsonstringseachrow') || f.startsWith('jsoncompactstringseachrow') || f === 'ndjson' || f === 'jsonlines' || f === 'jsonl') {
    return 'application/x-ndjson; charset=UTF-8';
  }
  if (f.startsWith('json') || f === 'prettyjsoneachrow') return 'application/json; charset=UTF-8';
  if (f.startsWith('csv')) return `text/csv; charset=UTF-8; header=${f.includes('names') ? 'present' : 'absent'}`;
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f === 'xml') return 'application/xml; charset=UTF-8';
  if (f.startsWith('pretty') || f === 'vertical' || f === 'markdown' || f === 'md' || f === 'values' || f === 'tskv' || f.startsWith('lineasstring') || f.startsWith('raw')) {
    return 'text/plain; charset=UTF-8';
  }
  return 'application/octet-stream';
}

export interface ClickHouseErrorAnswer {
  status: number;
  code: number;
  body: string;
}

/** A ClickHouse-style error (`Code: N. DB::Exception: … (TYPE) (version …)`), which ClickHouse clients parse. */
export function clickHouseError(err: unknown, version: string): ClickHouseErrorAnswer {
  const [status, code, type, message] = classify(err);
  return { status, code, body: `Code: ${code}. DB::Exception: ${message.replace(/\.$/, '')}. (${type}) (version ${version})\n` };
}

function classify(err: unknown): [number, number, string, string] {
  if (err instanceof SettingRefused) return [403, 164, 'READONLY', err.message];
  if (isTicketPulseError(err)) {
    const e = err as TicketPulseError;
    const d = (e.details ?? {}) as { clickhouseCode?: number | null; clickhouseType?: string | null; scope?: string };
    switch (e.code) {
      case 'unauthorized':
        return [401, 516, 'AUTHENTICATION_FAILED', `ticketpulse: Authentication failed: ${e.message}`];
      case 'forbidden':
        if (d.scope) return [403, 497, 'ACCESS_DENIED', e.message];
        return [403, d.clickhouseCode ?? 164, d.clickhouseType ?? 'READONLY', e.message];
      case 'payload_too_large':
        return [413, 229, 'QUERY_IS_TOO_LARGE', e.message];
      case 'rate_limited':
        return [429, 202, 'TOO_MANY_SIMULTANEOUS_QUERIES', e.message];
      case 'not_found':
        return [404, 81, 'UNKNOWN_DATABASE', e.message];
      case 'bad_request':
      case 'validation_failed':
        if (d.clickhouseCode) return [400, d.clickhouseCode, d.clickhouseType ?? 'BAD_ARGUMENTS', e.message];
        return /syntax|query failed/i.test(e.message) ? [400, 62, 'SYNTAX_ERROR', e.message] : [400, 36, 'BAD_ARGUMENTS', e.message];
      case 'clickhouse_unavailable':
        return [503, 210, 'NETWORK_ERROR', 'a dependency is unavailable (temporary; retry later)'];
      default:
        return [500, 1001, 'STD_EXCEPTION', 'internal error'];
    }
  }
  const fe = err as { statusCode?: number; message?: string; validation?: unknown };
  if (fe.statusCode === 413) return [413, 229, 'QUERY_IS_TOO_LARGE', 'the request body is too large'];
  if (fe.statusCode === 429) return [429, 202, 'TOO_MANY_SIMULTANEOUS_QUERIES', fe.message ?? 'rate limited'];
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return [fe.statusCode, 36, 'BAD_ARGUMENTS', fe.message ?? 'bad request'];
  return [500, 1001, 'STD_EXCEPTION', 'internal error'];
}
