import { numberOrLiteral } from './jsonNumber.js';

/** Thrown inside the parser only, to unwind at once; parseJsonText returns it as data. */
export class SyntaxFailure {
  constructor(
    readonly pos: number,
    readonly what: string,
  ) {}
}

/**
 * The tokens of JSON text, read at `pos` on char codes (NaN past the end). Strings are cut from
 * the input in one piece where they have no escapes; small plain numbers are summed from digits.
 */
export class Scanner {
  protected pos: number;
  /** For bytes input, the byte offset of `pos` minus `pos`: grows past each non-ASCII character. */
  private extra: number;

  /**
   * `t` is the text, from `start` (1 to skip a BOM); for bytes input, `bytes` are the input and
   * `byteStart` the offset of the text in it (3 after a BOM).
   */
  constructor(
    protected readonly t: string,
    protected readonly start: number,
    private readonly bytes?: Buffer,
    byteStart = 0,
  ) {
    this.pos = start;
    this.extra = byteStart;
  }

  /** Skips whitespace and returns the char code there (NaN at the end). */
  protected skip(): number {
    const t = this.t;
    let p = this.pos;
    let c = t.charCodeAt(p);
    if (c > 32) return c; // the usual case: no whitespace
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++p);
    this.pos = p;
    return c;
  }

  /** Reads the string whose opening quote is at `pos`. */
  protected string(): string {
    const t = this.t;
    const open = this.pos;
    let p = open + 1;
    let from = p;
    let out = '';
    let extra = this.extra;
    let extraFrom = extra;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 34) break;
      if (c === 92) {
        out += this.copy(from, p, extraFrom, extra) + this.escape(p, open);
        p += t.charCodeAt(p + 1) === 117 ? 6 : 2;
        from = p;
        extraFrom = extra;
      } else if (c >= 0x80) {
        // UTF-8 length minus one: 2 bytes below U+0800, 4 for a surrogate pair (2 per half), else 3
        extra += c < 0x800 || (c & 0xf800) === 0xd800 ? 1 : 2;
        p++;
      } else if (c >= 32) p++;
      else throw badCharacter(t, p, open); // also NaN, the end
    }
    this.pos = p + 1;
    this.extra = extra;
    return out + this.copy(from, p, extraFrom, extra);
  }

  /**
   * The text from `from` to `to` as a string of its own. A slice of 13 or more characters would
   * be a view keeping the whole decoded text alive (V8 copies only shorter ones); the input bytes,
   * when there are some, are decoded again instead. `extra` values are those at `from` and `to`.
   */
  protected copy(from: number, to: number, extraFrom = this.extra, extraTo = extraFrom): string {
    const b = this.bytes;
    if (b === undefined || to - from < 13) return this.t.slice(from, to);
    return b.toString('utf8', from + extraFrom, to + extraTo);
  }

  private escape(p: number, open: number): string {
    const t = this.t;
    const c = t.charCodeAt(p + 1);
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return simple;
    let end = p + 2;
    if (c === 117) {
      let code = 0;
      for (; end < p + 6; end++) {
        const h = hexValue(t.charCodeAt(end));
        if (h < 0) break;
        code = code * 16 + h;
      }
      if (end === p + 6) return String.fromCharCode(code);
      end++; // quote the character that is not a hex digit
    }
    if (end > t.length) throw new SyntaxFailure(open, 'unterminated string');
    throw new SyntaxFailure(p, `invalid escape ${quote(t.slice(p, end))} in string`);
  }

  /** Reads the number literal at `pos`: a number, or a String object when no double is exact. */
  protected number(): unknown {
    const t = this.t;
    const start = this.pos;
    let p = start;
    let c = t.charCodeAt(p);
    if (c === 45) c = t.charCodeAt(++p);
    const first = p;
    let int = 0;
    if (c === 48) c = t.charCodeAt(++p);
    else if (c >= 49 && c <= 57) {
      do {
        int = int * 10 + c - 48;
        c = t.charCodeAt(++p);
      } while (c >= 48 && c <= 57);
    } else throw badNumber(t, start);
    let digits = p - first;
    let exponentDigits = 0;
    if (c === 46) {
      const from = ++p;
      p = digitsEnd(t, from);
      if (p === from) throw badNumber(t, start);
      digits += p - from;
      c = t.charCodeAt(p);
    }
    if (c === 101 || c === 69) {
      c = t.charCodeAt(++p);
      if (c === 43 || c === 45) p++;
      const from = p;
      p = digitsEnd(t, from);
      if (p === from) throw badNumber(t, start);
      exponentDigits = p - from;
      c = t.charCodeAt(p);
    }
    if (isNumberChar(c)) throw badNumber(t, start);
    this.pos = p;
    // At most 15 significant digits in the range of normal doubles: the double is exact.
    if (digits > 15 || exponentDigits > 2) return numberOrLiteral(this.copy(start, p));
    if (p - first > digits) return Number(t.slice(start, p));
    return start === first ? int : -int;
  }

  protected literal(word: string, value: unknown): unknown {
    const end = this.pos + word.length;
    if (!this.t.startsWith(word, this.pos) || isWordChar(this.t.charCodeAt(end))) throw this.unexpected();
    this.pos = end;
    return value;
  }

  /** The failure for the token at `pos`, quoting it (a word, or one character). */
  protected unexpected(where = ''): SyntaxFailure {
    const t = this.t;
    const p = this.pos;
    const suffix = where === '' ? '' : ` ${where}`;
    if (p >= t.length) return new SyntaxFailure(p, `unexpected end of input${suffix}`);
    let end = p;
    while (isWordChar(t.charCodeAt(end))) end++;
    const token = end > p ? t.slice(p, end) : String.fromCodePoint(t.codePointAt(p) ?? 0);
    return new SyntaxFailure(p, `unexpected ${quote(token)}${suffix}`);
  }
}

const SIMPLE_ESCAPES: (string | undefined)[] = [];
for (const [c, s] of Object.entries({
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
})) {
  SIMPLE_ESCAPES[c.charCodeAt(0)] = s;
}

function digitsEnd(t: string, from: number): number {
  let p = from;
  for (let c = t.charCodeAt(p); c >= 48 && c <= 57; c = t.charCodeAt(++p));
  return p;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

function isWordChar(c: number): boolean {
  const lower = c | 32;
  return (lower >= 97 && lower <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/** Characters that may not follow a number: they would make it another (invalid) literal. */
function isNumberChar(c: number): boolean {
  return isWordChar(c) || c === 46 || c === 43 || c === 45;
}

function badNumber(t: string, start: number): SyntaxFailure {
  let end = start;
  while (isNumberChar(t.charCodeAt(end))) end++;
  return new SyntaxFailure(start, `invalid number ${quote(t.slice(start, Math.max(end, start + 1)))}`);
}

/** A raw line break in a string most likely means its closing quote is missing. */
function badCharacter(t: string, p: number, open: number): SyntaxFailure {
  const c = t.charCodeAt(p);
  if (p >= t.length || c === 10 || c === 13) return new SyntaxFailure(open, 'unterminated string');
  return new SyntaxFailure(p, `control character ${quote(t[p] ?? '')} in string`);
}

const MAX_QUOTED = 20;
/** Invisible or misleading when printed: controls, format characters, separators other than a space. */
const UNPRINTABLE = /[\p{C}\p{Z}]/u;

/**
 * Input quoted in a message, JSON-style: at most 20 characters, on one line, with anything that
 * would not print as itself escaped, so the message can be printed and logged as it is.
 */
export function quote(text: string): string {
  let out = '';
  let n = 0;
  for (const ch of text) {
    if (n++ === MAX_QUOTED) return `"${out}…"`;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === ' ' || !UNPRINTABLE.test(ch)) out += ch;
    else for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return `"${out}"`;
}
