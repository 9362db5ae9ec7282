import { Buffer } from 'node:buffer';
import { Scanner, SyntaxFailure } from './jsonScanner.js';
import { bytePosition, invalidUtf8Offset, utf8BomLength } from './utf8.js';

export { inexactNumberText, isInexactNumber } from './jsonNumber.js';

/** Keys and array indexes from the document's root to a value. */
export type JsonPath = readonly (string | number)[];

/** A key repeated in one object: `path` leads to the object, line and column to the repeated key. */
export interface DuplicateKey {
  readonly path: JsonPath;
  readonly key: string;
  readonly line: number;
  readonly column: number;
}

/**
 * The outcome of `parseJsonText`. Line and column are 1-based, the column counted in code points
 * (a BOM not counted); `byteOffset` is given only for bytes input, counted from the first byte.
 */
export type ParsedJson =
  | { readonly ok: true; readonly value: unknown; readonly duplicateKeys: readonly DuplicateKey[] }
  | {
      readonly ok: false;
      readonly message: string;
      readonly line: number;
      readonly column: number;
      readonly byteOffset?: number;
    };

/**
 * Parses JSON text (RFC 8259, strictly) without changing it on the way: bytes must be valid
 * UTF-8, a number literal no double holds exactly stays its text (see isInexactNumber), and a
 * repeated key is reported (its last value kept, as JSON.parse does). A leading BOM is skipped.
 * Nesting depth is not limited by the call stack.
 */
export function parseJsonText(input: Uint8Array | string): ParsedJson {
  if (typeof input === 'string') return parseText(input, input.charCodeAt(0) === 0xfeff ? 1 : 0);
  const bom = utf8BomLength(input);
  const bad = invalidUtf8Offset(input);
  if (bad >= 0) {
    const { line, column } = bytePosition(input, bom, bad);
    const message = `invalid UTF-8 at byte ${bad} (line ${line}, column ${column})`;
    return { ok: false, message, line, column, byteOffset: bad };
  }
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return parseText(bytes.toString('utf8', bom), 0, bytes, bom);
}

/** Parses `text` from `start`; `bytes` are the input it was decoded from, from `bom` on. */
function parseText(text: string, start: number, bytes?: Buffer, bom = 0): ParsedJson {
  const parser = new Parser(text, start, bytes, bom);
  try {
    const value = parser.document();
    return { ok: true, value, duplicateKeys: parser.duplicateKeys() };
  } catch (err) {
    if (!(err instanceof SyntaxFailure)) throw err;
    const [at = { line: 1, column: 1 }] = textPositions(text, start, [err.pos]);
    const message = `${err.what} at line ${at.line}, column ${at.column}`;
    if (bytes === undefined) return { ok: false, message, ...at };
    return { ok: false, message, ...at, byteOffset: bom + Buffer.byteLength(text.slice(0, err.pos), 'utf8') };
  }
}

/** Returned by Parser.value when it opened a container, whose first member comes next. */
const OPENED = Symbol('opened');

type Container = unknown[] | Record<string, unknown>;

/**
 * Reads values in a loop over an explicit stack of open containers, so no depth of nesting can
 * overflow the call stack.
 */
class Parser extends Scanner {
  private depth = 0;
  private readonly open: Container[] = [];
  /** Per open object, the key whose value is being read. */
  private readonly keys: string[] = [];
  private readonly repeats: { path: JsonPath; key: string; pos: number }[] = [];
  /**
   * Per depth, the keys of the last object there that did not follow the one before. Records of a
   * dataset share their keys: a key that is the expected one is matched in place, not sliced,
   * and needs no duplicate check while all keys before it were expected too (-1 once one was not).
   */
  private readonly shapes: string[][] = [];
  private readonly matched: number[] = [];

  document(): unknown {
    for (;;) {
      const v = this.value();
      if (v === OPENED) continue;
      const done = this.attach(v);
      if (done === OPENED) continue;
      this.skip();
      if (this.pos < this.t.length) throw this.unexpected('after the JSON value');
      return done;
    }
  }

  duplicateKeys(): DuplicateKey[] {
    const at = textPositions(
      this.t,
      this.start,
      this.repeats.map((r) => r.pos),
    );
    return this.repeats.map(({ path, key }, i) => ({ path, key, ...(at[i] as Position) }));
  }

  /**
   * Adds a value to the innermost container, and each container it completes to the one around
   * it: OPENED when another member follows, else the root value.
   */
  private attach(value: unknown): unknown {
    let v = value;
    while (this.depth > 0) {
      const c = this.open[this.depth - 1] as Container;
      const isArray = Array.isArray(c);
      if (isArray) c.push(v);
      else this.set(c, v);
      const sep = this.skip();
      if (sep === 44) {
        this.pos++;
        if (!isArray) this.key();
        return OPENED;
      }
      if (sep !== (isArray ? 93 : 125)) throw this.unexpected();
      if (!isArray && this.matched[this.depth - 1] === -1) this.shapes[this.depth - 1] = expectedKeys(c);
      this.pos++;
      this.depth--;
      v = c;
    }
    return v;
  }

  private value(): unknown {
    const c = this.skip();
    if (c === 34) return this.string();
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    if (c === 123 || c === 91) return this.container(c);
    if (c === 116) return this.literal('true', true);
    if (c === 102) return this.literal('false', false);
    if (c === 110) return this.literal('null', null);
    throw this.unexpected();
  }

  /** An empty container at once; otherwise opens it (reading the first key of an object). */
  private container(c: number): unknown {
    this.pos++;
    if (this.skip() === c + 2) {
      this.pos++;
      return c === 91 ? [] : {};
    }
    this.open[this.depth++] = c === 91 ? [] : {};
    if (c === 91) return OPENED;
    this.matched[this.depth - 1] = 0;
    this.key();
    return OPENED;
  }

  /** Reads `"key":` for the innermost object, noting a key the object already has. */
  private key(): void {
    if (this.skip() !== 34) throw this.unexpected();
    const d = this.depth - 1;
    const pos = this.pos;
    const i = this.matched[d] as number;
    const expected = i >= 0 ? this.shapes[d]?.[i] : undefined;
    let key: string;
    if (expected !== undefined && isAt(this.t, pos + 1, expected)) {
      key = expected;
      this.pos = pos + expected.length + 2;
      this.matched[d] = i + 1;
    } else {
      key = this.string();
      this.matched[d] = -1;
      if (Object.hasOwn(this.open[d] as object, key)) this.repeats.push({ path: this.path(), key, pos });
    }
    this.keys[d] = key;
    if (this.skip() !== 58) throw this.unexpected();
    this.pos++;
  }

  private set(obj: Record<string, unknown>, v: unknown): void {
    const key = this.keys[this.depth - 1] as string;
    // Assigning `__proto__` would set the prototype; JSON.parse makes it an own property.
    if (key !== '__proto__') obj[key] = v;
    else Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
  }

  /** Path to the innermost object: in each container around it, the member being read. */
  private path(): JsonPath {
    const path: (string | number)[] = [];
    for (let i = 0; i < this.depth - 1; i++) {
      const c = this.open[i] as Container;
      path.push(Array.isArray(c) ? c.length : (this.keys[i] as string));
    }
    return path;
  }
}

/** Whether `"${key}"` follows at `pos`: compared in place (startsWith is not inlined). */
function isAt(t: string, pos: number, key: string): boolean {
  const n = key.length;
  for (let i = 0; i < n; i++) if (t.charCodeAt(pos + i) !== key.charCodeAt(i)) return false;
  return t.charCodeAt(pos + n) === 34;
}

/**
 * An object's keys as expected keys for the next object: distinct, and up to the first that
 * could not be matched as raw text (a quote, backslash or control character needs an escape).
 */
function expectedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  const plain = keys.findIndex((k) => !isPlainKey(k));
  return plain < 0 ? keys : keys.slice(0, plain);
}

function isPlainKey(k: string): boolean {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92) return false;
  }
  return true;
}

interface Position {
  line: number;
  column: number;
}

/**
 * Lines and columns of ascending positions, in one pass from `start`. A column counts code
 * points (a surrogate pair is one); line breaks are LF, CR LF and a lone CR.
 */
function textPositions(t: string, start: number, positions: readonly number[]): Position[] {
  const out: Position[] = [];
  let line = 1;
  let column = 1;
  let p = start;
  for (const pos of positions) {
    for (; p < pos; p++) {
      const c = t.charCodeAt(p);
      if (c === 10 || (c === 13 && t.charCodeAt(p + 1) !== 10)) {
        line++;
        column = 1;
      } else if (!(c >= 0xdc00 && c <= 0xdfff && isHighSurrogate(t.charCodeAt(p - 1)))) column++;
    }
    out.push({ line, column });
  }
  return out;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
