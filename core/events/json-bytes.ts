// Byte-level JSON helpers for the Kafka fast path (compact-rows.ts): scanning strings
// and whitespace in UTF-8 bytes, matching known names, and writing bytes out. Plain
// loops over typed arrays: for the short values of an event they beat native calls,
// whose per-call cost is higher than the work.

export const QUOTE = 34;
export const BACKSLASH = 92;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
export const COLON = 58;
export const COMMA = 44;
export const NEWLINE = 10;

/** Set by scanString: the string holds no escapes and no U+007F (refused in identifiers). */
export const lastString = { plain: true };

/** Byte classes inside a JSON string: 0 plain; the others need a look. */
const PLAIN = 0;
const CLOSE = 1;
const ESCAPE = 2;
const CONTROL = 3;
const DEL = 4;
const STRING_BYTE = new Uint8Array(256);
for (let c = 0; c < 32; c++) STRING_BYTE[c] = CONTROL;
STRING_BYTE[QUOTE] = CLOSE;
STRING_BYTE[BACKSLASH] = ESCAPE;
STRING_BYTE[127] = DEL;

/**
 * Index of the closing quote of the JSON string opening at i, or -1 if there is
 * none before end or it is not valid JSON (raw control characters, bad escapes).
 * Sets lastString.plain: no escapes and no U+007F.
 */
export function scanString(src: Uint8Array, i: number, end: number): number {
  if (i >= end || src[i] !== QUOTE) return -1;
  let plain = true;
  let j = i + 1;
  for (;;) {
    // One table lookup per byte in the common run of plain bytes.
    while (j < end && STRING_BYTE[src[j]] === PLAIN) j++;
    if (j >= end) return -1;
    const kind = STRING_BYTE[src[j]];
    if (kind === CLOSE) {
      lastString.plain = plain;
      return j;
    }
    if (kind === ESCAPE) {
      plain = false;
      if (++j >= end) return -1;
      const e = src[j];
      if (e === 117) {
        // \uXXXX
        if (j + 4 >= end) return -1;
        for (let k = 1; k <= 4; k++) if (!isHex(src[j + k])) return -1;
        j += 4;
      } else if (e !== QUOTE && e !== BACKSLASH && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return -1;
    } else if (kind === CONTROL) return -1;
    else plain = false; // DEL
    j++;
  }
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** JSON whitespace: space, tab, line feed, carriage return. */
export function skipWs(src: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = src[i];
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
  return end;
}

export function skipColon(src: Uint8Array, i: number, end: number): number {
  return i < end && src[i] === COLON ? i + 1 : -1;
}

/** The index of the name in src[s, e) among names grouped by byte length, or -1. */
export function match(names: Uint8Array[][] & { index: number[][] }, src: Uint8Array, s: number, e: number): number {
  const group = names[e - s];
  if (group === undefined) return -1;
  for (let g = 0; g < group.length; g++) {
    const name = group[g];
    let k = 0;
    while (k < name.length && src[s + k] === name[k]) k++;
    if (k === name.length) return names.index[e - s][g];
  }
  return -1;
}

export function byLength(names: readonly string[]): Uint8Array[][] & { index: number[][] } {
  const groups: Uint8Array[][] = [];
  const index: number[][] = [];
  names.forEach((name, i) => {
    const b = bytesOf(name);
    (groups[b.length] ??= []).push(b);
    (index[b.length] ??= []).push(i);
  });
  return Object.assign(groups, { index });
}

/** Bytes as a string, byte for byte: equal strings, equal bytes. */
export function keyText(src: Uint8Array, s: number, e: number): string {
  return Buffer.from(src.buffer, src.byteOffset + s, e - s).toString('latin1');
}

export function copy(out: Uint8Array, p: number, src: Uint8Array, s: number, e: number): number {
  if (e - s > 48) {
    out.set(src.subarray(s, e), p);
    return p + e - s;
  }
  for (let k = s; k < e; k++) out[p++] = src[k];
  return p;
}

export function put(out: Uint8Array, p: number, bytes: Uint8Array): number {
  for (let k = 0; k < bytes.length; k++) out[p++] = bytes[k];
  return p;
}

export function putInteger(out: Uint8Array, p: number, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) return put(out, p, bytesOf(String(v)));
  let n = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) n++;
  for (let k = n - 1, x = v; k >= 0; k--, x = Math.floor(x / 10)) out[p + k] = 48 + (x % 10);
  return p + n;
}

export function bytesOf(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}
