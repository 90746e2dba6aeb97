// The seam between the API and the ingest module: the API parses HTTP, ingest owns
// validation and storage. Defined here so `api/` does not depend on `ingest/`.

export type IngestFormat = 'json' | 'ndjson';

export interface IngestItemError {
  /** Position of the event in the request (array index or NDJSON line, 0-based). */
  index: number;
  /** JSON pointer of the offending field within that event. */
  path: string;
  reason: string;
  message: string;
}

export interface IngestReport {
  accepted: number;
  rejected: number;
  errors: IngestItemError[];
  /** True when more rejections happened than `errors` lists. */
  errors_truncated?: boolean;
}

export interface EventIngestor {
  /** Validates and stores a request body; resolves once accepted events and dead letters are stored. */
  ingest(body: Buffer, format: IngestFormat, requestId: string): Promise<IngestReport>;
}
