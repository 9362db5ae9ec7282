import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// Internal: how text from data is made safe to show.
import { escapeControl, escapeControlLines, escapeHtml, escapeMarkdown } from '../dist/reporting/escape.js';
import { textTable } from '../dist/reporting/renderers/table.js';
import { registerSecrets, scrub } from '../dist/secrets.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const codes = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));

describe('escapeControl', () => {
  it('writes \\n, \\r and \\t as such, other ASCII controls as \\xNN, the rest as \\uNNNN', () => {
    expect(escapeControl('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(escapeControl('\u001b]0;pwned\u0007')).toBe('\\x1b]0;pwned\\x07');
    expect(escapeControl('\u001b[2J')).toBe('\\x1b[2J');
    expect(escapeControl('\u0000\u0001\u001f\u007f')).toBe('\\x00\\x01\\x1f\\x7f');
    expect(escapeControl('\u0080\u0085\u009b31m\u009f')).toBe('\\u0080\\u0085\\u009b31m\\u009f');
    expect(escapeControl('\u202aa\u202bb\u202cc\u202dd\u202ee')).toBe(
      '\\u202aa\\u202bb\\u202cc\\u202dd\\u202ee',
    );
    expect(escapeControl('\u2066\u2067\u2068\u2069')).toBe('\\u2066\\u2067\\u2068\\u2069');
    expect(escapeControl(42)).toBe('42');
  });

  it('every C0, DEL, C1 and bidi control comes out as printable ASCII', () => {
    const all = [...codes(0, 0x1f), ...codes(0x7f, 0x9f), ...codes(0x202a, 0x202e), ...codes(0x2066, 0x2069)];
    for (const c of all) {
      const out = escapeControl(c);
      expect(out).toMatch(/^\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])$/);
    }
    expect(UNSAFE.test(escapeControl(all.join('')))).toBe(false);
  });

  it('lone surrogates are escaped; pairs, accents, emoji, CJK and other text are unchanged', () => {
    expect(escapeControl('x\ud800y')).toBe('x\\ud800y');
    expect(escapeControl('\udc00')).toBe('\\udc00');
    expect(escapeControl('😀\ud83d')).toBe('😀\\ud83d');
    expect(escapeControl('\udfff\ud800')).toBe('\\udfff\\ud800');
    const plain = 'Zoë Ångström · 😀 👨‍👩‍👧‍👦 🇫🇷 · 中文名字 𠜎 · שלום · \u00a0 \u200b \ufeff \\x1b "quoted"';
    expect(escapeControl(plain)).toBe(plain);
  });

  it('the output has nothing unsafe, and escaping twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const once = escapeControl(s);
        expect(UNSAFE.test(once) || LONE_SURROGATE.test(once)).toBe(false);
        expect(escapeControl(once)).toBe(once);
      }),
      { seed: 5, numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        if (!UNSAFE.test(s)) expect(escapeControl(s)).toBe(s);
      }),
      { seed: 6, numRuns: 1000 },
    );
  });

  it('is fast on long text, with or without anything to escape', () => {
    const plain = 'é😀中 text '.repeat(1_000_000);
    let t = performance.now();
    expect(escapeControl(plain)).toBe(plain);
    expect(performance.now() - t).toBeLessThan(1000);
    const hostile = '\u001b[2J\n'.repeat(500_000);
    t = performance.now();
    expect(escapeControl(hostile)).toHaveLength(hostile.length + 500_000 * 4);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('escapeControlLines keeps line breaks and escapes the rest of each line', () => {
    expect(escapeControlLines('one\u001b[2J\ntwo\r\n')).toBe('one\\x1b[2J\ntwo\\r\n');
  });
});

describe('text formats apply it first', () => {
  it('Markdown: one line, control characters shown, table syntax escaped', () => {
    expect(escapeMarkdown('a|b\nc\u001b[31m')).toBe('a\\|b\\\\nc\\\\x1b\\[31m');
    expect(escapeMarkdown('x\r\ny')).not.toMatch(/[\r\n]/);
  });

  it('HTML and SVG: entities escaped, control characters shown (XML does not even allow most)', () => {
    expect(escapeHtml('<b>\u0000\u0008\u202e</b>')).toBe('&lt;b&gt;\\x00\\x08\\u202e&lt;/b&gt;');
  });
});

describe('textTable', () => {
  it('escapes cells and counts widths in code points of the escaped text', () => {
    const table = textTable(
      ['name', 'n'],
      [
        ['a\u001b[2Jb', 1],
        ['😀中', 22],
        ['x\ny', 333],
      ],
    );
    const lines = table.split('\n');
    expect(lines).toEqual([
      '  name         n',
      '  a\\x1b[2Jb    1',
      '  😀中          22',
      '  x\\ny       333',
    ]);
    // Every line is as long as the header, counted in code points.
    for (const line of lines) expect([...line].length).toBe([...(lines[0] ?? '')].length);
  });
});

describe('secret scrubbing after escaping', () => {
  it('a secret holding a control character is scrubbed from the escaped text too', () => {
    registerSecrets(['pa\nss\u001bword', 'p%0Aw%1Bsecret']);
    expect(scrub(escapeControl('login pa\nss\u001bword failed'))).toBe('login *** failed');
    expect(scrub(escapeControl('login p\nw\u001bsecret failed'))).toBe('login *** failed');
  });
});
