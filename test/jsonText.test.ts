import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// Internal: the JSON reader for dataset files.
import { inexactNumberText, isInexactNumber, type ParsedJson, parseJsonText } from '../dist/util/jsonText.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

function value(input: Uint8Array | string): unknown {
  const r = parseJsonText(input);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

/** The failure without `ok`, to compare with one object. */
function failure(input: Uint8Array | string): Omit<Extract<ParsedJson, { ok: false }>, 'ok'> {
  const r = parseJsonText(input);
  if (r.ok) throw new Error(`parsed: ${JSON.stringify(r.value)}`);
  const { ok: _, ...rest } = r;
  return rest;
}

/** True when any number in the value was kept as its literal. */
function hasInexact(v: unknown): boolean {
  if (isInexactNumber(v)) return true;
  if (typeof v !== 'object' || v === null) return false;
  return Object.values(v).some(hasInexact);
}

describe('parseJsonText: valid documents', () => {
  it('gives what JSON.parse gives, as text and as UTF-8 bytes, compact and indented', () => {
    const unit = fc.constantFrom('grapheme', 'binary' as const);
    const doc = unit.chain((stringUnit) => fc.jsonValue({ stringUnit }));
    fc.assert(
      fc.property(doc, fc.constantFrom(undefined, 2, '\t'), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const expected = JSON.parse(text);
        const r = parseJsonText(text);
        expect(r).toEqual({ ok: true, value: expected, duplicateKeys: [] });
        expect(parseJsonText(Buffer.from(text, 'utf8'))).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts and refuses exactly what JSON.parse does, with the same values', () => {
    // Valid documents with a few characters inserted, removed or replaced.
    const chars = [...'{}[],:" \n\t\\/01-+.eEtrufalsn\'x', '\u0001', '\u00e9'];
    const edit = fc.tuple(fc.nat(), fc.nat(2), fc.constantFrom(...chars));
    const doc = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v, null, 1));
    const text = fc.tuple(doc, fc.array(edit, { maxLength: 3 })).map(([t, edits]) =>
      edits.reduce((s, [at, kind, ch]) => {
        const i = at % (s.length + 1);
        return s.slice(0, i) + (kind === 1 ? '' : ch) + s.slice(kind === 0 ? i : i + 1);
      }, t),
    );
    fc.assert(
      fc.property(text, (t) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(t);
        } catch {
          valid = false;
        }
        const r = parseJsonText(t);
        expect(r.ok).toBe(valid);
        if (r.ok && !hasInexact(r.value)) expect(r.value).toEqual(expected);
        if (!r.ok) expect(r.message).not.toMatch(/\n/);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads escapes, surrogate pairs and every kind of value', () => {
    const text =
      '{"s":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\ude00","n":[0,-1,2.5e-3,1E+2],"b":[true,false,null]}';
    expect(value(text)).toEqual(JSON.parse(text));
    expect(value('"\\ud800"')).toBe('\ud800'); // a lone surrogate escape, as JSON.parse reads it
    expect(value(' \t\r\n 7 \n')).toBe(7);
    expect(value('"Zoë 😀 李"')).toBe('Zoë 😀 李');
    // Long strings of bytes input are cut from the bytes: offsets past characters of each length.
    const long = [
      'ëëëëëëëëëëëëëë',
      '李李李李李李李李李李李李李李',
      '😀😀😀😀😀😀😀😀😀😀',
      'é\n李\t😀 "quoted" and more',
      'plain text, long',
    ];
    const doc = { long, [long.join('')]: long.map((s) => s.repeat(3)) };
    expect(value(Buffer.from(JSON.stringify(doc), 'utf8'))).toEqual(doc);
  });

  it('builds plain objects; records sharing keys are read like any others', () => {
    const text =
      '[{"id":1,"name":"a"},{"id":2,"name":"b","x":0},{"name":"c","id":3},{"id":4},{"i":5,"name":"e"}]';
    const v = value(text) as object[];
    expect(v).toEqual(JSON.parse(text));
    for (const r of v) expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    const keys = '[{"a\\"b":1,"c\\\\":2,"\\u0064":3},{"a\\"b":4,"c\\\\":5,"d":6},{"a\\"b":7}]';
    expect(value(keys)).toEqual(JSON.parse(keys));
  });

  it('skips a leading byte order mark, in bytes and in text', () => {
    expect(value(bytes([0xef, 0xbb, 0xbf], '{"a":[1]}'))).toEqual({ a: [1] });
    expect(value('\ufeff{"a":[1]}')).toEqual({ a: [1] });
    expect(failure(bytes([0xef, 0xbb, 0xbf], '{\n "a" 1}'))).toEqual({
      message: 'unexpected "1" at line 2, column 6',
      line: 2,
      column: 6,
      byteOffset: 10,
    });
    expect(failure('\ufeff\ufeff1').message).toBe('unexpected "\\ufeff" at line 1, column 1');
  });

  it('parses nesting 100,000 deep without running out of stack', () => {
    const n = 100_000;
    let v = value(`${'['.repeat(n)}1${']'.repeat(n)}`);
    let depth = 0;
    while (Array.isArray(v)) [v, depth] = [v[0], depth + 1];
    expect([depth, v]).toEqual([n, 1]);
    let o = value(`${'{"a":'.repeat(n)}null${'}'.repeat(n)}`) as { a?: unknown } | null;
    for (depth = 0; o !== null; depth++) o = o.a as typeof o;
    expect(depth).toBe(n);
    expect(failure('['.repeat(n)).message).toBe(`unexpected end of input at line 1, column ${n + 1}`);
  });
});

describe('parseJsonText: number literals', () => {
  it('keeps a number when its shortest text has the literal value exactly', () => {
    const exact = [
      '0.1',
      '1e2',
      '1.10',
      '100e-2',
      '9007199254740991',
      '9007199254740992',
      '0.000001',
      '5e-324',
    ];
    for (const t of [...exact, '1.7976931348623157e308', '-2.5E-7', '1234567890123456e20']) {
      expect(value(t), t).toBe(Number(t));
    }
    expect(Object.is(value('-0'), -0)).toBe(true);
    expect(Object.is(value('-0.0e5'), -0)).toBe(true);
    expect(value('0e-400')).toBe(0);
    // 2^64 is a double, but its shortest text is 18446744073709552000: written back, it would change.
    expect(value('[18446744073709551616]')).toEqual([new String('18446744073709551616')]);
  });

  it('keeps the text of a literal no double holds exactly, as a String object', () => {
    const inexact = ['1.0000000000000001', '9007199254740993', '123456789012345678', '1e400', '-1e400'];
    for (const t of [...inexact, '1e-400', '0.30000000000000001', '4.9406564584124654e-324', '2.5E-999']) {
      const v = value(`{"id":${t}}`) as { id: unknown };
      expect(isInexactNumber(v.id), t).toBe(true);
      expect(inexactNumberText(v.id as string)).toBe(t);
    }
    expect(value('[1, 9007199254740993]')).toEqual([1, new String('9007199254740993')]);
  });

  it('tells a kept literal from every JSON value, across realms and structured cloning', () => {
    for (const v of ['1', 1, null, true, [], {}, ['1'], { valueOf: () => '1' }])
      expect(isInexactNumber(v)).toBe(false);
    const kept = value('[9007199254740993]') as unknown[];
    const cloned = structuredClone(kept);
    expect(isInexactNumber(cloned[0])).toBe(true);
    expect(typeof cloned[0]).toBe('object');
    expect(inexactNumberText(cloned[0] as string)).toBe('9007199254740993');
    const foreign = runInNewContext('new String("1e400")') as unknown;
    expect(foreign instanceof String).toBe(false);
    expect(isInexactNumber(foreign)).toBe(true);
    expect(inexactNumberText(foreign as string)).toBe('1e400');
  });
});

describe('parseJsonText: syntax errors', () => {
  const cases: [string, string, number, number][] = [
    ['', 'unexpected end of input', 1, 1],
    ['{"a": [1, 2}', 'unexpected "}"', 1, 12],
    ['{\n  "a": 1,\n  "b": 2,\n}', 'unexpected "}"', 4, 1],
    ['[1, 2,]', 'unexpected "]"', 1, 7],
    ['{"a":1,}', 'unexpected "}"', 1, 8],
    ['{"users": [\n  {"id": 1}\n', 'unexpected end of input', 3, 1],
    ['{"a": "b}\n', 'unterminated string', 1, 7],
    ['[\n  "abc\n  "def"]', 'unterminated string', 2, 3],
    ['"a\\', 'unterminated string', 1, 1],
    ['"\\u00', 'unterminated string', 1, 1],
    ['["a\tb"]', 'control character "\\u0009" in string', 1, 4],
    ['"\u001b[31m"', 'control character "\\u001b" in string', 1, 2],
    ['"a\\qb"', 'invalid escape "\\\\q" in string', 1, 3],
    ['"\\u12G4"', 'invalid escape "\\\\u12G" in string', 1, 2],
    ['{"a" 1}', 'unexpected "1"', 1, 6],
    ['{"a":1 "b":2}', 'unexpected "\\""', 1, 8],
    ["{'a':1}", `unexpected "'"`, 1, 2],
    ['{a:1}', 'unexpected "a"', 1, 2],
    ['[1] // done', 'unexpected "/" after the JSON value', 1, 5],
    ['{} {}', 'unexpected "{" after the JSON value', 1, 4],
    ['/* c */ 1', 'unexpected "/"', 1, 1],
    ['[NaN]', 'unexpected "NaN"', 1, 2],
    ['-Infinity', 'invalid number "-Infinity"', 1, 1],
    ['[undefined]', 'unexpected "undefined"', 1, 2],
    ['tru', 'unexpected "tru"', 1, 1],
    ['nullx', 'unexpected "nullx"', 1, 1],
    ['[01]', 'invalid number "01"', 1, 2],
    ['-012', 'invalid number "-012"', 1, 1],
    ['[1.]', 'invalid number "1."', 1, 2],
    ['.5', 'unexpected "."', 1, 1],
    ['+1', 'unexpected "+"', 1, 1],
    ['1e', 'invalid number "1e"', 1, 1],
    ['[1e+]', 'invalid number "1e+"', 1, 2],
    ['1.5.3', 'invalid number "1.5.3"', 1, 1],
    ['[- 1]', 'invalid number "-"', 1, 2],
    ['0x1F', 'invalid number "0x1F"', 1, 1],
    ['"Zoë 😀" x', 'unexpected "x" after the JSON value', 1, 9],
    ['\r\n[\r\n1\r\n}', 'unexpected "}"', 4, 1],
    ['[\r1\r}', 'unexpected "}"', 3, 1],
    ['\u00a0[]', 'unexpected "\\u00a0"', 1, 1],
    ['\u001b[1m', 'unexpected "\\u001b"', 1, 1],
    ['[abcdefghijklmnopqrstuvwxyz]', 'unexpected "abcdefghijklmnopqrst…"', 1, 2],
  ];

  it.each(cases)('%j: %s at %i:%i', (text, what, line, column) => {
    expect(failure(text)).toEqual({ message: `${what} at line ${line}, column ${column}`, line, column });
  });

  it('gives the byte offset of the failure in bytes input', () => {
    expect(failure(bytes('{"é": [1,\n 2,]}'))).toEqual({
      message: 'unexpected "]" at line 2, column 4',
      line: 2,
      column: 4,
      byteOffset: 14,
    });
  });

  it('never gives a message of more than one line or quotes much of the input', () => {
    const bad = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).map((s) => `[1, ${s}`);
    fc.assert(
      fc.property(bad, (text) => {
        const r = parseJsonText(text);
        if (r.ok) return;
        expect(r.message).not.toMatch(/[\n\r\u2028\u2029]/);
        expect(r.message.length).toBeLessThan(200);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseJsonText: invalid UTF-8', () => {
  const cases: [string, (string | number[])[], number, number, number][] = [
    ['a lone continuation byte', ['["a', [0x80], '"]'], 3, 1, 4],
    ['a lead byte without its continuation', ['"', [0xc3, 0x28], '"'], 1, 1, 2],
    ['a sequence cut by the end of input', ['"ab', [0xe2, 0x82]], 3, 1, 4],
    ['a sequence cut short', ['"', [0xf0, 0x9f, 0x98], '"'], 1, 1, 2],
    ['an overlong two-byte form', ['"', [0xc0, 0xaf], '"'], 1, 1, 2],
    ['an overlong three-byte form', ['"', [0xe0, 0x80, 0xaf], '"'], 1, 1, 2],
    ['an overlong four-byte form', ['"', [0xf0, 0x80, 0x80, 0xaf], '"'], 1, 1, 2],
    ['a surrogate encoded in UTF-8', ['"', [0xed, 0xa0, 0x80], '"'], 1, 1, 2],
    ['a code point above U+10FFFF', ['"', [0xf4, 0x90, 0x80, 0x80], '"'], 1, 1, 2],
    ['a byte never used (F5)', ['"', [0xf5, 0x80, 0x80, 0x80], '"'], 1, 1, 2],
    ['a byte never used (FF)', ['[1,', [0xff], ']'], 3, 1, 4],
    ['after valid characters of all lengths', ['{\n "é李😀": "', [0xe9], 't"}'], 17, 2, 10],
    ['after CR LF line breaks', ['[\r\n\r\n  "', [0xa9], '"]'], 8, 3, 4],
  ];

  it.each(cases)('refuses %s, naming the byte offset', (_, parts, offset, line, column) => {
    expect(failure(bytes(...parts))).toEqual({
      message: `invalid UTF-8 at byte ${offset} (line ${line}, column ${column})`,
      line,
      column,
      byteOffset: offset,
    });
  });

  it('names the first byte that a replacing decoder would replace', () => {
    const special = [
      0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff,
    ];
    const byte = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.constantFrom(...special),
      fc.integer({ min: 0, max: 255 }),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (b) => {
        const input = Buffer.from(b);
        fc.pre(!input.includes(Buffer.from([0xef, 0xbf, 0xbd]))); // a real U+FFFD would be ambiguous
        const decoded = input.toString('utf8');
        const replaced = decoded.indexOf('\ufffd');
        const r = parseJsonText(input);
        const utf8Failure = !r.ok && r.message.startsWith('invalid UTF-8');
        expect(utf8Failure).toBe(replaced >= 0);
        if (utf8Failure) expect(r.byteOffset).toBe(Buffer.byteLength(decoded.slice(0, replaced)));
      }),
      { numRuns: 3000 },
    );
  });

  it('counts the offset from the first byte, and the column after a BOM', () => {
    expect(failure(bytes([0xef, 0xbb, 0xbf], '"ab', [0xff], '"'))).toEqual({
      message: 'invalid UTF-8 at byte 6 (line 1, column 4)',
      line: 1,
      column: 4,
      byteOffset: 6,
    });
  });

  it('accepts the edges of each valid range', () => {
    const edges = [
      [0x7f],
      [0xc2, 0x80],
      [0xdf, 0xbf],
      [0xe0, 0xa0, 0x80],
      [0xed, 0x9f, 0xbf],
      [0xee, 0x80, 0x80],
    ];
    const more = [
      [0xef, 0xbf, 0xbf],
      [0xf0, 0x90, 0x80, 0x80],
      [0xf4, 0x8f, 0xbf, 0xbf],
    ];
    for (const e of [...edges, ...more])
      expect(value(bytes('"', e, '"'))).toBe(Buffer.from(e).toString('utf8'));
  });
});

describe('parseJsonText: repeated keys', () => {
  it('keeps the last value, as JSON.parse does, and reports each repetition with its place', () => {
    const text =
      '{"users": [\n  {"id": 1, "name": "a"},\n  {"id": 2, "name": "b", "id": 3, "id": 4}\n], "users": []}';
    const r = parseJsonText(text);
    expect(r).toEqual({
      ok: true,
      value: JSON.parse(text),
      duplicateKeys: [
        { path: ['users', 1], key: 'id', line: 3, column: 26 },
        { path: ['users', 1], key: 'id', line: 3, column: 35 },
        { path: [], key: 'users', line: 4, column: 4 },
      ],
    });
  });

  it('reports repetitions deep inside arrays and objects, and keys written with escapes', () => {
    const text = '[[0, {"a": {"b": [{"c": 1, "\\u0063": 2}]}}], {"😀": 1, "\\ud83d\\ude00": 2}]';
    expect(parseJsonText(text)).toEqual({
      ok: true,
      value: JSON.parse(text),
      duplicateKeys: [
        { path: [0, 1, 'a', 'b', 0], key: 'c', line: 1, column: 28 },
        { path: [1], key: '😀', line: 1, column: 55 },
      ],
    });
  });

  it('finds a repetition in records that otherwise share their keys', () => {
    const text = '[{"id":1,"name":"a"},{"id":2,"name":"b"},{"id":3,"id":4},{"name":"d","id":5,"name":"e"}]';
    const r = parseJsonText(text);
    expect(r.ok && r.duplicateKeys.map((d) => [d.path, d.key])).toEqual([
      [[2], 'id'],
      [[3], 'name'],
    ]);
  });

  it('makes "__proto__" an own property of a plain object, never its prototype', () => {
    const text =
      '{"__proto__": {"polluted": true}, "list": [{"__proto__": null}, {"__proto__": 1, "__proto__": 2}]}';
    const r = parseJsonText(text);
    expect(r.ok).toBe(true);
    const v = (r.ok ? r.value : null) as Record<string, unknown> & { list: Record<string, unknown>[] };
    expect(v).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__', 'list']);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(v.list[0])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(v.list[1], '__proto__')?.value).toBe(2);
    expect(r.ok && r.duplicateKeys).toEqual([{ path: ['list', 1], key: '__proto__', line: 1, column: 82 }]);
  });
});
