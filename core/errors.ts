// One error vocabulary for the whole project. Modules throw TicketPulseError with a
// code; the API maps codes to HTTP statuses in one place (api/error-handler.ts) and
// consumers decide retry vs dead-letter from `retriable`.

export type ErrorCode =
  | 'config_invalid'
  | 'validation_failed'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'clickhouse_unavailable'
  | 'clickhouse_query_failed'
  | 'data_dir_locked'
  | 'migration_failed'
  | 'kafka_unavailable'
  | 'timeout'
  | 'internal';

export interface ErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** Field path (JSON pointer or parameter name) the error is about, when there is one. */
  field?: string;
  details?: Record<string, unknown>;
}

export class TicketPulseError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TicketPulseError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.field = opts.field;
    this.details = opts.details;
  }
}

export function isTicketPulseError(err: unknown): err is TicketPulseError {
  return err instanceof TicketPulseError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
