/**
 * Text from records, dataset file names and error messages reaches terminals and Markdown as
 * text: escape sequences, other control characters, line breaks and bidi overrides are shown
 * escaped (`\x1b`, `\n`, `\u202e`), never passed on, in every text output. JSON is left alone.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, expectOneLineError, runCli } from '../support/cli.js';
import { tempDir } from '../support/deployments.js';
import { readPdf } from '../support/pdf.js';

/**
 * What must never be printed raw: C0 controls but the line feed, DEL, C1, bidi embeddings,
 * overrides and isolates, and U+FFFD (what a lone surrogate would have become on the way out).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufffd]/u;

/** The dataset file: its name holds an OSC title sequence, a newline, a CR, a tab, CSI and RLO. */
const FILE = 'set\u001b]0;title\u0007\n\r\t\u009b\u202e.json';
const FILE_SHOWN = 'set\\x1b]0;title\\x07\\n\\r\\t\\u009b\\u202e.json';

/** Records whose bad values fail, so that their failure messages quote them. */
const DATASET = {
  users: [
    { id: '\u001b]0;pwned\u0007', name: 'Osc', email: 'osc@example.com' },
    { id: 2, name: 'Clear', email: 'ann\u001b[2J@example.com' },
    { id: 3, name: 'Lines', email: 'bob\n\r@example.com' },
    { id: 4, name: 'Tab', email: 'cy\t\u007f@example.com' },
    { id: '\u009b31m5', name: 'Csi', email: 'csi@example.com' },
    { id: 6, name: 'Nul', email: 'nul\u0000\u0085@example.com' },
    { id: 7, name: 'Lone', email: 'lone\ud800@example.com' },
  ],
  products: [{ id: 1, name: 'Lamp', price: '1\u2066.00' }],
  orders: [{ id: 1, user_id: '\u202e1', product_id: 1, quantity: 2 }],
};

/** The escaped forms that must show: the data is shown, not dropped. */
const SHOWN = [
  ['id', '\\x1b]0;pwned\\x07'],
  ['email', 'ann\\x1b[2J@example.com'],
  ['email', 'bob\\n\\r@example.com'],
  ['email', 'cy\\t\\x7f@example.com'],
  ['id', '\\u009b31m5'],
  ['email', 'nul\\x00\\u0085@example.com'],
  ['email', 'lone\\ud800@example.com'],
  ['price', '1\\u2066.00'],
  ['user_id', '\\u202e1'],
] as const;

function expectNoRaw(text: string): void {
  const at = text.search(RAW);
  if (at >= 0) {
    const c = text.codePointAt(at) ?? 0;
    throw new Error(
      `raw U+${c.toString(16).padStart(4, '0')} at ${at}: ${JSON.stringify(text.slice(at - 40, at + 40))}`,
    );
  }
}

function expectShown(text: string): void {
  for (const [, shown] of SHOWN) expect(text).toContain(shown);
  expect(text).toContain(FILE_SHOWN);
}

/** Markdown as read: backslash escapes removed, entities decoded. */
function unescapeMarkdown(md: string): string {
  return md
    .replace(/\\([\\`*_[\]|#~!])/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Column separators of a Markdown table row: the pipes no backslash escapes. */
function separators(row: string): number {
  return (row.replace(/\\./g, '').match(/\|/g) ?? []).length;
}

const ok = (r: CliResult): CliResult => {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return r;
};

describe('terminal and Markdown safety: data is shown escaped, on its own line', () => {
  let cwd: string;
  let simulated: CliResult;

  beforeAll(() => {
    cwd = tempDir('distdb-terminal-');
    writeFileSync(join(cwd, FILE), JSON.stringify(DATASET));
    simulated = runCli(['simulate', '--dataset', FILE], { cwd });
  });
  afterAll(() => {
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('simulate: the terminal report shows every value escaped, each failure on one line', () => {
    const out = ok(simulated).stdout;
    expectNoRaw(out);
    expectShown(out);
    expect(out.split('\n')[0]).toMatch(/^distdb run 1 · dataset set\\x1b\]0;title\\x07\\n.*· completed$/);
    // Each failure's row holds its id, code and message: no line break from the data split it.
    expect(out).toMatch(
      /^ {2}user +\\x1b\]0;pwned\\x07 +invalid_id +\d+ +id must be .*"\\x1b\]0;pwned\\x07"$/m,
    );
    expect(out).toMatch(/^ {2}user +3 +invalid_email +\d+ +email "bob\\n\\r@example\.com" is not/m);
    expect(out).toMatch(/^ {2}order +1 +invalid_user_id +\d+ +user_id .*"\\u202e1"/m);
  });

  it('report latest (text) is the same escaped report', () => {
    const out = ok(runCli(['report', 'latest'], { cwd })).stdout;
    expectNoRaw(out);
    expectShown(out);
  });

  it('report --format md: no raw control, every table row has as many columns as its header', () => {
    const md = ok(runCli(['report', 'latest', '--format', 'md'], { cwd })).stdout;
    expectNoRaw(md);
    expectShown(unescapeMarkdown(md));
    const tables = md
      .trimEnd()
      .split('\n\n')
      .filter((block) => block.startsWith('|'));
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const table of tables) {
      const [header, ...rows] = table.split('\n');
      for (const row of rows) {
        expect(row).toMatch(/^\| .* \|$/);
        expect({ row, count: separators(row) }).toEqual({ row, count: separators(header ?? '') });
      }
    }
  });

  it('report --format html: no raw control in the page or its SVG, values shown escaped', () => {
    const html = ok(runCli(['report', 'latest', '--format', 'html'], { cwd })).stdout;
    expectNoRaw(html);
    const text = html
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    expectShown(text);
    expect(html).toContain('<svg');
  });

  it('report --format pdf: the text drawn holds no control character, values shown escaped', async () => {
    const r = runCli(['report', 'latest', '--format', 'pdf', '--out', 'run.pdf'], { cwd });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 0,
      stderr: 'wrote report run 1 (pdf) to run.pdf\n',
    });
    // Pages are separated by form feeds; cells that wrap are joined back.
    const text = (await readPdf(join(cwd, 'run.pdf'))).text;
    expectNoRaw(text.replace(/\f/g, '\n'));
    const joined = text.replace(/[\n\f]/g, '');
    for (const [, shown] of SHOWN) expect(joined).toContain(shown);
  });

  it('runs: the dataset name is shown escaped on the run line', () => {
    const out = ok(runCli(['runs'], { cwd })).stdout;
    expectNoRaw(out);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(FILE_SHOWN);
    expect(lines[1]).toMatch(/ completed /);
  });

  it('an error quoting data is one line, the whole message shown escaped', () => {
    const missing = 'missing\u001b]0;x\u0007\n\u009b\u202e.json';
    const r = runCli(['simulate', '--dataset', missing], { cwd });
    expect(r.code).toBe(2);
    expectNoRaw(r.stderr);
    const line = expectOneLineError(r);
    expect(line).toContain('missing\\x1b]0;x\\x07\\n\\u009b\\u202e.json');
    expect(line).toMatch(/^distdb: error: /);
  });

  it('a command-line error quoting an argument is escaped too', () => {
    const r = runCli(['simulate', '--threads', '\u001b[2J\n2'], { cwd });
    expect(r.code).toBe(2);
    expectNoRaw(r.stderr);
    expect(expectOneLineError(r)).toContain('\\x1b[2J\\n2');
  });

  it('--json is left as JSON.stringify writes it: the values come back exactly', () => {
    const r = ok(runCli(['report', 'latest', '--format', 'json'], { cwd }));
    const report = JSON.parse(r.stdout) as { dataset: string; failures: { id: unknown }[] };
    expect(report.dataset).toBe(FILE);
    expect(report.failures.map((f) => f.id)).toContain('\u001b]0;pwned\u0007');
  });
});
