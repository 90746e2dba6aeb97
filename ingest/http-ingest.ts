// HTTP ingest logic behind POST /v1/events: a JSON array (or one object) or NDJSON.
// Malformed items are dead-lettered and reported per index; the request as a whole
// is refused only when it cannot be read at all.
import { isUtf8 } from 'node:buffer';
import { toClickHouseTime } from '../core/events/row.ts';
import type { DeadLetterRow } from '../core/events/dead-letter.ts';
import { TicketPulseError } from '../core/errors.ts';
import type { EventIngestor, IngestFormat, IngestItemError, IngestReport } from '../core/ingest-port.ts';
import { processMessage, processValue, type StepResult } from './pipeline.ts';
import type { BatchWriter } from './writer/batch-writer.ts';

const MAX_REPORTED_ERRORS = 1000;

export class HttpIngestor implements EventIngestor {
  constructor(private readonly writer: BatchWriter, private readonly now: () => number = Date.now) {}

  async ingest(body: Buffer, format: IngestFormat, requestId: string): Promise<IngestReport> {
    const nowMs = this.now();
    const ctx = { nowMs, receivedAt: toClickHouseTime(nowMs) };
    const results = format === 'ndjson' ? this.fromNdjson(body, requestId, ctx) : this.fromJson(body, requestId, ctx);

    const lines: string[] = [];
    const deadLetters: DeadLetterRow[] = [];
    const errors: IngestItemError[] = [];
    let rejected = 0;
    results.forEach(([index, r]) => {
      if (r.kind === 'ok') lines.push(r.line);
      else if (r.kind === 'dead_letter') {
        deadLetters.push(r.row);
        rejected++;
        if (errors.length < MAX_REPORTED_ERRORS) {
          errors.push({ index, path: r.rejection.path, reason: r.rejection.reason, message: r.rejection.message });
        }
      }
    });
    if (lines.length > 0 || deadLetters.length > 0) await this.writer.write(lines, deadLetters);
    const report: IngestReport = { accepted: lines.length, rejected, errors };
    if (rejected > errors.length) report.errors_truncated = true;
    return report;
  }

  private fromJson(body: Buffer, requestId: string, ctx: { nowMs: number; receivedAt: string }): Array<[number, StepResult]> {
    if (!isUtf8(body)) throw new TicketPulseError('bad_request', 'the request body is not valid UTF-8', { field: 'body' });
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new TicketPulseError('bad_request', `the request body is not valid JSON: ${(err as Error).message}`, { field: 'body' });
    }
    const items = Array.isArray(value) ? value : [value];
    if (!Array.isArray(value) && (value === null || typeof value !== 'object')) {
      throw new TicketPulseError('bad_request', 'the request body must be a JSON array of events or one event object', { field: 'body' });
    }
    return items.map((item, index) => [
      index,
      processValue(item, () => JSON.stringify(item) ?? String(item), { source: 'http', requestId, index }, ctx),
    ]);
  }

  private fromNdjson(body: Buffer, requestId: string, ctx: { nowMs: number; receivedAt: string }): Array<[number, StepResult]> {
    const out: Array<[number, StepResult]> = [];
    let start = 0;
    let index = 0;
    // Split on bytes, not decoded text: a line with invalid UTF-8 is dead-lettered
    // with its exact bytes while its neighbours go through.
    while (start <= body.length) {
      let end = body.indexOf(0x0a, start);
      if (end === -1) end = body.length;
      let line = body.subarray(start, end);
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      if (!isBlank(line)) {
        out.push([index, processMessage(line, { source: 'http', requestId, index }, ctx)]);
      }
      index++;
      start = end + 1;
    }
    return out;
  }
}

function isBlank(line: Buffer): boolean {
  for (const b of line) if (b !== 0x20 && b !== 0x09) return false;
  return true;
}
