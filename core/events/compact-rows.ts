// The Kafka consumer's fast path: events' JSON bytes straight to JSONCompactEachRow
// row bytes, without JSON.parse building an object, JSON.stringify walking it again
// and the rows living as JavaScript strings (together ~80% of the decode worker's
// time; docs/performance.md). The bytes go to ClickHouse as they are.
//
// It takes only what it fully understands: the contract's own fields, each once;
// strings; the two small integers; an `attributes` object of strings; occurred_at in
// the canonical 'YYYY-MM-DDThh:mm:ss.sssZ' form. For anything else — unknown fields
// (moved into attributes), duplicates, nulls, nested values, identifiers with
// escapes, anything near a limit, and every invalid event — it declines, and the
// general path (decodeEvent → toCompactLine) decides. So every rejection and every
// unusual event goes through the one validator; whatever this takes, the general
// path accepts with the same row (tests/unit/compact-rows.test.ts holds it to that).
//
// Strings are copied as written: valid JSON text that ClickHouse decodes to the value
// JSON.stringify's re-escaped form gives. The bytes must be valid UTF-8 (the caller
// checks), so they hold no lone surrogates, the one thing JSON.stringify would write
// differently. Limits are checked on byte counts, which are never below the
// character counts the contract limits: near a limit, the general path measures.
import {
  bytesOf, byLength, CLOSE_BRACE, COLON, COMMA, copy, keyText, lastString, match, NEWLINE, OPEN_BRACE, put, putInteger, QUOTE, scanString, skipColon, skipWs,
} from './json-bytes.ts';
import { CURRENT_SCHEMA_VERSION, EVENT_LIMITS, EVENT_TYPES } from './schema.ts';
import { daysInMonth, MIN_OCCURRED_MS } from './validate.ts';

const ID = 0;
const TYPE = 1;
const TIME = 2;
const TEXT = 3;
const INT = 4;
const ATTRS = 5;

interface Field {
  name: string;
  kind: number;
  /** Longest value taken here (bytes), or the largest integer. */
  max: number;
  /** The column's text when the field is absent; null: the field is required. */
  absent: string | null;
}

const short = (name: string): Field => ({ name, kind: TEXT, max: EVENT_LIMITS.maxShortField, absent: '""' });

/** The contract's fields in TICKET_EVENT_COLUMNS order (a unit test holds the two together). */
export const ROW_FIELDS: readonly Field[] = [
  { name: 'event_id', kind: ID, max: EVENT_LIMITS.maxIdLength, absent: null },
  { name: 'ticket_id', kind: ID, max: EVENT_LIMITS.maxIdLength, absent: null },
  { name: 'type', kind: TYPE, max: 0, absent: null },
  { name: 'occurred_at', kind: TIME, max: 0, absent: null },
  short('tenant'),
  short('channel'),
  short('priority'),
  short('customer_id'),
  short('customer_tier'),
  short('team'),
  short('agent_id'),
  short('category'),
  short('product'),
  short('region'),
  short('status'),
  { name: 'subject', kind: TEXT, max: EVENT_LIMITS.maxSubjectLength, absent: '""' },
  // At most three bytes per character: below a third of the byte limit neither the
  // character nor the byte limit can be reached; above it the general path measures.
  { name: 'body', kind: TEXT, max: Math.floor(EVENT_LIMITS.maxBodyBytes / 3), absent: '""' },
  { name: 'csat', kind: INT, max: 5, absent: 'null' },
  { name: 'attributes', kind: ATTRS, max: 0, absent: '{}' },
  { name: 'schema_version', kind: INT, max: CURRENT_SCHEMA_VERSION, absent: String(CURRENT_SCHEMA_VERSION) },
];

const N = ROW_FIELDS.length;
const OCCURRED = ROW_FIELDS.findIndex((f) => f.kind === TIME);
const ATTRIBUTES = ROW_FIELDS.findIndex((f) => f.kind === ATTRS);
const KINDS = Int8Array.from(ROW_FIELDS, (f) => f.kind);
const MAXES = Int32Array.from(ROW_FIELDS, (f) => f.max);
const ABSENT = ROW_FIELDS.map((f) => (f.absent === null ? null : bytesOf(f.absent)));
const KEYS = byLength(ROW_FIELDS.map((f) => f.name));
const TYPES = byLength(EVENT_TYPES);
/**
 * A row is never longer than its event plus the tail, the offset and this: the
 * absent fields' defaults (at most 3 bytes each), the separators and the brackets.
 */
const ROW_SLACK = 160;

// Per-event scratch. Scanning is synchronous, so one set per thread is enough.
const starts = new Int32Array(N);
const ends = new Int32Array(N);
/** attributes pairs: key start, key end, value start, value end (quotes included). */
let pairs = new Int32Array(64);
let pairCount = 0;

/**
 * One batch's rows as JSONCompactEachRow bytes, each row ending in a newline.
 * tryEvent takes the plain events; the general path's lines are added with pushLine.
 */
export class CompactRowsBuilder {
  private out: Uint8Array;
  private view: Buffer;
  private pos = 0;
  /** Rows written. */
  rows = 0;
  private readonly tail: Uint8Array;

  /**
   * @param tail the columns after the event's own, up to the offset: received_at,
   *   source, topic, partition — the same for the whole batch (compactLineTail).
   * @param sizeHint expected bytes (e.g. the batch's input size).
   */
  constructor(
    tail: string,
    private readonly nowMs: number,
    sizeHint: number,
  ) {
    this.tail = bytesOf(tail);
    this.out = new Uint8Array(Math.max(1024, sizeHint));
    this.view = Buffer.from(this.out.buffer, this.out.byteOffset, this.out.length);
  }

  /**
   * Appends the event in src[start, end) — valid UTF-8 — as a row and returns true;
   * or returns false, writing nothing, when the general path has to decide.
   */
  tryEvent(src: Uint8Array, start: number, end: number, offset: number): boolean {
    if (end - start > EVENT_LIMITS.maxEventBytes || !scanEvent(src, start, end, this.nowMs)) return false;
    this.ensure(end - start + this.tail.length + ROW_SLACK);
    const out = this.out;
    let p = this.pos;
    out[p++] = 91; // [
    for (let f = 0; f < N; f++) {
      if (f > 0) out[p++] = COMMA;
      const s = starts[f];
      if (s < 0) p = put(out, p, ABSENT[f]!);
      else if (f === OCCURRED) {
        // "YYYY-MM-DDThh:mm:ss.sssZ" → "YYYY-MM-DD hh:mm:ss.sss" (UTC, as ClickHouse parses it fastest)
        p = copy(out, p, src, s, s + 11);
        out[p++] = 32;
        p = copy(out, p, src, s + 12, s + 24);
        out[p++] = QUOTE;
      } else if (f === ATTRIBUTES) p = putAttributes(out, p, src);
      else p = copy(out, p, src, s, ends[f]);
    }
    p = put(out, p, this.tail);
    p = putInteger(out, p, offset);
    out[p++] = 93; // ]
    out[p++] = NEWLINE;
    this.pos = p;
    this.rows++;
    return true;
  }

  /** Appends a line the general path encoded (no newline in it). */
  pushLine(line: string): void {
    this.ensure(line.length * 3 + 1);
    this.pos += this.view.write(line, this.pos, 'utf8');
    this.out[this.pos++] = NEWLINE;
    this.rows++;
  }

  /** The rows' bytes; the builder is done. Copied down when much of the buffer is unused, as it is kept until stored. */
  finish(): Uint8Array {
    return this.pos < this.out.length * 0.75 ? this.out.slice(0, this.pos) : this.out.subarray(0, this.pos);
  }

  private ensure(more: number): void {
    if (this.pos + more <= this.out.length) return;
    const grown = new Uint8Array(Math.max(this.out.length * 2, this.pos + more));
    grown.set(this.out.subarray(0, this.pos));
    this.out = grown;
    this.view = Buffer.from(grown.buffer, grown.byteOffset, grown.length);
  }
}

/** Fills starts/ends (and pairs) for an event the fast path takes; false otherwise. */
function scanEvent(src: Uint8Array, start: number, end: number, nowMs: number): boolean {
  starts.fill(-1);
  pairCount = 0;
  let i = skipWs(src, start, end);
  if (i >= end || src[i] !== OPEN_BRACE) return false;
  i = skipWs(src, i + 1, end);
  for (;;) {
    // A key with an escape is not a contract field name: the general path decides.
    const keyEnd = scanString(src, i, end);
    if (keyEnd < 0 || !lastString.plain) return false;
    const f = match(KEYS, src, i + 1, keyEnd);
    if (f < 0 || starts[f] >= 0) return false;
    i = skipWs(src, keyEnd + 1, end);
    if (i >= end || src[i] !== COLON) return false;
    i = skipWs(src, i + 1, end);
    const valueEnd = scanValue(src, i, end, f, nowMs);
    if (valueEnd < 0) return false;
    starts[f] = i;
    ends[f] = valueEnd;
    i = skipWs(src, valueEnd, end);
    if (i >= end) return false;
    if (src[i] === CLOSE_BRACE) break;
    if (src[i] !== COMMA) return false;
    i = skipWs(src, i + 1, end);
  }
  if (skipWs(src, i + 1, end) !== end) return false;
  for (let f = 0; f < N; f++) if (starts[f] < 0 && ABSENT[f] === null) return false;
  return true;
}

/** Index just past field f's value starting at i, or -1 if the fast path does not take it. */
function scanValue(src: Uint8Array, i: number, end: number, f: number, nowMs: number): number {
  switch (KINDS[f]) {
    case ID: {
      const e = scanString(src, i, end);
      const len = e - i - 1;
      return e < 0 || !lastString.plain || len < 1 || len > MAXES[f] ? -1 : e + 1;
    }
    case TYPE: {
      const e = scanString(src, i, end);
      return e < 0 || !lastString.plain || match(TYPES, src, i + 1, e) < 0 ? -1 : e + 1;
    }
    case TIME: {
      const e = scanString(src, i, end);
      return e - i - 1 === 24 && canonicalUtcMs(src, i + 1, nowMs) ? e + 1 : -1;
    }
    case TEXT: {
      const e = scanString(src, i, end);
      return e < 0 || e - i - 1 > MAXES[f] ? -1 : e + 1;
    }
    case INT: {
      // One to three digits, no leading zero. What follows must be a separator,
      // which the caller checks: a fraction or exponent declines there.
      let v = 0;
      let j = i;
      for (; j < end && j < i + 3; j++) {
        const d = src[j] - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      return j === i || src[i] === 48 || v > MAXES[f] ? -1 : j;
    }
    case ATTRS:
      return scanAttributes(src, i, end);
    default:
      return -1;
  }
}

/** An object of string values; its pairs are kept for putAttributes. */
function scanAttributes(src: Uint8Array, i: number, end: number): number {
  if (i >= end || src[i] !== OPEN_BRACE) return -1;
  i = skipWs(src, i + 1, end);
  if (i < end && src[i] === CLOSE_BRACE) return i + 1;
  let seen: Set<string> | null = null;
  for (;;) {
    const keyEnd = scanString(src, i, end);
    if (keyEnd < 0 || !lastString.plain || keyEnd - i - 1 > EVENT_LIMITS.maxShortField) return -1;
    const valueStart = skipWs(src, skipColon(src, skipWs(src, keyEnd + 1, end), end), end);
    if (valueStart < 0) return -1;
    const valueEnd = scanString(src, valueStart, end);
    if (valueEnd < 0 || valueEnd - valueStart - 1 > EVENT_LIMITS.maxAttributeValue) return -1;
    if (pairCount > 0) {
      // Duplicates (JSON.parse keeps the last, a Map column would keep both) and the
      // one key that means something to JavaScript objects: the general path decides.
      if (seen === null) seen = new Set([keyText(src, pairs[0], pairs[1])]);
      const key = keyText(src, i, keyEnd + 1);
      if (seen.has(key)) return -1;
      seen.add(key);
    }
    if (keyEnd - i === 10 && keyText(src, i + 1, keyEnd) === '__proto__') return -1;
    if ((pairCount + 1) * 4 > pairs.length) {
      const grown = new Int32Array(pairs.length * 2);
      grown.set(pairs);
      pairs = grown;
    }
    const at = pairCount * 4;
    pairs[at] = i;
    pairs[at + 1] = keyEnd + 1;
    pairs[at + 2] = valueStart;
    pairs[at + 3] = valueEnd + 1;
    pairCount++;
    i = skipWs(src, valueEnd + 1, end);
    if (i >= end) return -1;
    if (src[i] === CLOSE_BRACE) return i + 1;
    if (src[i] !== COMMA) return -1;
    i = skipWs(src, i + 1, end);
  }
}

function putAttributes(out: Uint8Array, p: number, src: Uint8Array): number {
  out[p++] = OPEN_BRACE;
  for (let k = 0; k < pairCount; k++) {
    if (k > 0) out[p++] = COMMA;
    const at = k * 4;
    p = copy(out, p, src, pairs[at], pairs[at + 1]);
    out[p++] = COLON;
    p = copy(out, p, src, pairs[at + 2], pairs[at + 3]);
  }
  out[p++] = CLOSE_BRACE;
  return p;
}

/**
 * 'YYYY-MM-DDThh:mm:ss.sssZ' at src[i..i+24): true if it is a real instant the
 * contract accepts (from 1970 to a day ahead of now), as validate.ts decides it.
 */
function canonicalUtcMs(src: Uint8Array, i: number, nowMs: number): boolean {
  if (src[i + 4] !== 45 || src[i + 7] !== 45 || src[i + 10] !== 84 || src[i + 13] !== 58 || src[i + 16] !== 58 || src[i + 19] !== 46 || src[i + 23] !== 90) {
    return false;
  }
  const year = digits(src, i, 4);
  const mo = digits(src, i + 5, 2);
  const d = digits(src, i + 8, 2);
  const h = digits(src, i + 11, 2);
  const mi = digits(src, i + 14, 2);
  const s = digits(src, i + 17, 2);
  const ms = digits(src, i + 20, 3);
  if (year < 1970 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(year, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ms < 0) return false;
  const t = Date.UTC(year, mo - 1, d, h, mi, s, ms);
  return t >= MIN_OCCURRED_MS && t <= nowMs + EVENT_LIMITS.maxFutureMs;
}

function digits(src: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let k = at; k < at + n; k++) {
    const c = src[k] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}
