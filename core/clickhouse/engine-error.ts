// ClickHouse reports errors as `Code: N. DB::Exception: <message>. (TYPE) (version …)`,
// from the server and from chDB alike. The analyst endpoints show that message
// (it is about the analyst's own query), mapped onto the project's error codes.
import { TicketPulseError, errorMessage, type ErrorCode } from '../errors.ts';

export interface EngineError {
  /** ClickHouse error code (e.g. 62 SYNTAX_ERROR), or null for transport failures. */
  code: number | null;
  type: string | null;
  message: string;
}

const PATTERN = /(?:Code|Error): (\d+)\.?\s*(?:DB::Exception: )?([\s\S]*?)(?:\s*\(([A-Z][A-Z0-9_]+)\))?(?:\s*\(version [^)]*\))?\.?\s*$/;

export function parseEngineError(err: unknown): EngineError {
  const withCode = err as { code?: unknown; type?: unknown };
  const raw = errorMessage(err).trim();
  // chDB nests the engine's message inside its own ("Code: 164. DB::Exception: Code: 164. DB::Exception: …").
  const text = raw.replace(/^(Code: \d+\. DB::Exception: )(?=Code: \d+\.)/, '');
  const m = PATTERN.exec(text.split('\n')[0]);
  if (m) {
    return { code: Number(m[1]), type: m[3] ?? (typeof withCode.type === 'string' ? withCode.type : null), message: tidy(m[2]) };
  }
  const code = typeof withCode.code === 'string' && /^\d+$/.test(withCode.code) ? Number(withCode.code) : null;
  return { code, type: typeof withCode.type === 'string' ? withCode.type : null, message: tidy(text.split('\n')[0]) };
}

function tidy(message: string): string {
  // The engine quotes the failing statement ("In scope SELECT …"); for queries the
  // guard wrapped (formatQuerySingleLine) that is our wrapper, not the analyst's text.
  return message
    .replace(/\s*\(version [^)]*\)/g, '')
    .replace(/:?\s*In scope SELECT formatQuerySingleLine[\s\S]*$/, '')
    .replace(/\.\s*$/, '')
    .trim();
}

export interface QueryLimitsForMessages {
  maxExecutionSeconds: number;
  maxResultRows: number;
  maxResultBytes: number;
  maxMemoryBytes: number;
}

/** Turns an engine failure of an analyst's query into a TicketPulseError with a message they can act on. */
export function queryError(err: unknown, limits: QueryLimitsForMessages, field = 'query'): TicketPulseError {
  if (err instanceof TicketPulseError) return err;
  const e = parseEngineError(err);
  const details = { clickhouseCode: e.code, clickhouseType: e.type };
  const make = (code: ErrorCode, message: string) => new TicketPulseError(code, message, { field, cause: err, details });
  switch (e.type) {
    case 'TIMEOUT_EXCEEDED':
      return make('bad_request', `the query was stopped after max_execution_time = ${limits.maxExecutionSeconds} s; narrow it (time range, LIMIT) or aggregate`);
    case 'TOO_MANY_ROWS_OR_BYTES':
      return make('bad_request', `the result is larger than the limits (max_result_rows = ${limits.maxResultRows}, max_result_bytes = ${limits.maxResultBytes}); add LIMIT or aggregate (${e.message})`);
    case 'MEMORY_LIMIT_EXCEEDED':
      return make('bad_request', `the query needs more memory than max_memory_usage = ${limits.maxMemoryBytes} bytes; narrow it or aggregate`);
    case 'READONLY':
    case 'ACCESS_DENIED':
      return make('forbidden', `refused by the engine (read-only): ${e.message}`);
  }
  if (e.code === null) {
    return new TicketPulseError('clickhouse_unavailable', `ClickHouse did not answer: ${e.message}`, { cause: err, retriable: true });
  }
  return make('bad_request', `query failed: ${e.message}`);
}
