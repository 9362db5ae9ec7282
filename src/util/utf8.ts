import { isUtf8 } from 'node:buffer';

/** Length of a leading UTF-8 byte order mark (EF BB BF): 3, or 0 without one. */
export function utf8BomLength(bytes: Uint8Array): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/**
 * Offset of the first byte of the first invalid UTF-8 sequence, or -1 when all are valid. The
 * whole input is checked natively first; the slow scan runs only to locate a known fault.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  return isUtf8(bytes) ? -1 : firstInvalidSequence(bytes);
}

/**
 * Follows the well-formed byte sequences of Unicode (table 3-7): the ranges of the second byte
 * exclude overlong forms, surrogates (ED A0..BF) and code points above U+10FFFF. A byte past the
 * end reads as 0, so a truncated sequence fails like any other.
 */
function firstInvalidSequence(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    let length = 4;
    let low = 0x80;
    let high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) length = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c === 0xe0) low = 0xa0;
      else if (c === 0xed) high = 0x9f;
    } else if (c === 0xf0) low = 0x90;
    else if (c === 0xf4) high = 0x8f;
    else if (c < 0xf1 || c > 0xf3) return i;
    const second = b[i + 1] ?? 0;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}

/**
 * Line and column (1-based, the column in code points) of a byte offset, counted from `start`
 * (after a BOM). The bytes before `offset` must be valid UTF-8, so every byte that is not a
 * continuation byte starts a code point. Line breaks are LF, CR LF and a lone CR.
 */
export function bytePosition(b: Uint8Array, start: number, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = start; i < offset; i++) {
    const c = b[i] ?? 0;
    if (c === 0x0a || (c === 0x0d && b[i + 1] !== 0x0a)) {
      line++;
      column = 1;
    } else if ((c & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}
