// One message through the pipeline: decode → validate → row. A pure step that
// returns a verdict; only the caller (HTTP handler, Kafka consumer loop) decides
// what to do with it — store, dead-letter, or retry the whole batch.
import { decodeEvent, validateEvent, type DecodeResult, type Rejection } from '../core/events/validate.ts';
import { toCompactLine, toRow, type Origin } from '../core/events/row.ts';
import { toDeadLetter, type DeadLetterRow } from '../core/events/dead-letter.ts';

export type StepResult =
  | { kind: 'ok'; line: string; eventId: string }
  | { kind: 'dead_letter'; row: DeadLetterRow; rejection: Rejection }
  | { kind: 'retry'; error: unknown };

export interface StepContext {
  receivedAt: string;
  nowMs: number;
  /**
   * How an accepted event's line is encoded: keyed JSONEachRow (default), or
   * JSONCompactEachRow (values in TICKET_EVENT_COLUMNS order), which the Kafka
   * consumer uses because it is cheaper to build and to parse. The writer must be
   * told the same format (BatchWriter.write's third argument).
   */
  rowFormat?: RowFormat;
}

export type RowFormat = 'JSONEachRow' | 'JSONCompactEachRow';

export function processMessage(raw: Buffer | string, origin: Origin, ctx: StepContext): StepResult {
  return finish(decodeEvent(raw, ctx.nowMs), raw, origin, ctx);
}

/** For values already parsed from a JSON array body; `raw` is what goes to dead_letters. */
export function processValue(value: unknown, raw: () => string, origin: Origin, ctx: StepContext): StepResult {
  const verdict = validateEvent(value, ctx.nowMs);
  return finish(verdict, verdict.ok ? '' : raw(), origin, ctx);
}

function finish(verdict: DecodeResult, raw: Buffer | string, origin: Origin, ctx: StepContext): StepResult {
  if (!verdict.ok) return { kind: 'dead_letter', row: toDeadLetter(raw, verdict, origin, ctx.receivedAt), rejection: verdict };
  if (ctx.rowFormat === 'JSONCompactEachRow') {
    return { kind: 'ok', line: toCompactLine(verdict.event, verdict.occurredMs, origin, ctx.receivedAt), eventId: verdict.event.event_id };
  }
  const row = toRow(verdict.event, verdict.occurredMs, origin, ctx.receivedAt);
  return { kind: 'ok', line: JSON.stringify(row), eventId: row.event_id };
}
