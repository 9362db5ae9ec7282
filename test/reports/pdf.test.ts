import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CANONICAL_OUTCOME } from '../support/canonical.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/deployments.js';
import { canvasUnavailable, readPdf, renderPagePng } from '../support/pdf.js';
import { skipWithNotice } from '../support/prerequisites.js';

// Read back with pdfjs-dist, the PDF reader of Firefox: the text and fonts a person's viewer shows.
const ARTIFACTS = resolve(import.meta.dirname, '../../artifacts');
const noPicture = skipWithNotice('PDF page picture (artifacts/report-pdf-page1.png)', canvasUnavailable());

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function fresh(): string {
  const d = tempDir('distdb-pdf-');
  dirs.push(d);
  return d;
}

describe('PDF report', () => {
  const cwd = fresh();

  it('simulate --report pdf writes distdb-run-<id>.pdf with the run figures as text, fonts embedded', async () => {
    const r = runCli(['simulate', '--report', 'pdf'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('wrote report run 1 (pdf) to distdb-run-1.pdf');
    const file = join(cwd, 'distdb-run-1.pdf');
    const { text, fonts } = await readPdf(file);
    expect(text).toContain('distdb run 1');
    expect(text).toMatch(/Success rate[\s\S]*80\.0%/);
    expect(text).toMatch(
      /Attempted\s+Succeeded\s+Failed\s+Success rate\s+Wall time\s+Records\/s\s*\n\s*30\s+24\s+6\s+80\.0%/,
    );
    expect(text).toMatch(/users\s+10\s+8\s+2\s+80\.0%/);
    expect(text).toMatch(/sqlite:\.\/data\/users\.db/);
    for (const [model, id, code] of CANONICAL_OUTCOME.failures) {
      expect(text).toContain(`${code} (`);
      expect(text).toMatch(new RegExp(`${model}\\s+${id}\\s+\\d+\\s+\\S`));
    }
    // The charts' labels are text too: they are vectors, not pictures.
    expect(text).toContain('batch latency, ms (log scale)');
    expect(text).toContain('time since the run started, s');

    // What pdffonts lists as "CID TrueType, Identity-H, emb yes, sub yes": every font DejaVu Sans,
    // subset (the six-letter tag) and embedded. Its "uni yes" (a ToUnicode map) is covered by the
    // text checks above: under Identity-H the codes are glyph numbers, text only through that map.
    expect(fonts.length).toBeGreaterThan(0);
    for (const font of fonts)
      expect(font).toEqual({
        name: expect.stringMatching(/^[A-Z]{6}\+DejaVuSans(-[A-Za-z]+)?$/),
        type: 'CIDFontType2',
        composite: true,
        embedded: true,
        identityH: true,
      });
  });

  it.skipIf(noPicture)('page 1 as a picture: artifacts/report-pdf-page1.png', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(
      join(ARTIFACTS, 'report-pdf-page1.png'),
      await renderPagePng(join(cwd, 'distdb-run-1.pdf'), 1, 60),
    );
    expect(readFileSync(join(ARTIFACTS, 'report-pdf-page1.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('A4 by default, --page-size letter on request', async () => {
    const a4 = await readPdf(join(cwd, 'distdb-run-1.pdf'));
    for (const page of a4.pages) expect([page.width, page.height]).toEqual([595.28, 841.89]);
    const r = runCli(
      ['report', 'latest', '--format', 'pdf', '--page-size', 'letter', '--out', 'letter.pdf'],
      {
        cwd,
      },
    );
    expect(r.code).toBe(0);
    const letter = await readPdf(join(cwd, 'letter.pdf'));
    expect(letter.pages.length).toBeGreaterThan(0);
    for (const page of letter.pages) expect([page.width, page.height]).toEqual([612, 792]);
  });

  it('a large run: tables continue on new pages under their header, failures capped with exact counts', async () => {
    const users = Array.from({ length: 400 }, (_, i) => ({
      id: i + 1,
      name: `User ${i + 1}`,
      email: i % 4 === 0 ? `broken-${i + 1}` : `u${i + 1}@example.com`,
    }));
    writeFileSync(join(cwd, 'large.json'), JSON.stringify({ users }));
    const sim = runCli(['simulate', '--reset', '--dataset', 'large.json', '--threads', '32', '--json'], {
      cwd,
    });
    expect(sim.code).toBe(0);
    const run = JSON.parse(sim.stdout).run;
    const capped = runCli(
      ['report', String(run), '--format', 'pdf', '--max-failures', '30', '--out', 'capped.pdf'],
      {
        cwd,
      },
    );
    expect(capped.code).toBe(0);
    const { text } = await readPdf(join(cwd, 'capped.pdf'));
    expect(text).toContain('Failures (100)');
    expect(text).toMatch(/invalid_email\s+100\s+100\.0%/);
    expect(text).toContain('invalid_email (100)');
    expect(text).toContain('… and 70 more');
    expect(text).toContain('Listing 30 of 100 failures');

    const full = runCli(['report', String(run), '--format', 'pdf', '--out', 'full.pdf'], { cwd });
    expect(full.code).toBe(0);
    const fullPdf = await readPdf(join(cwd, 'full.pdf'));
    const pages = fullPdf.pages.length;
    expect(pages).toBeGreaterThanOrEqual(4);
    // A page never starts in the middle of a table: continued tables repeat their header row.
    const firstLines = fullPdf.pages.slice(1).map(({ text: page }, i) => {
      expect(page).toContain(`distdb run ${run} · page ${i + 2} of ${pages}`);
      return page.split('\n').find((l) => l.trim() !== '') ?? '';
    });
    // A failure table continues under its code, marked as continued, then its header row.
    const header =
      /^\s*(model\s+id\s+thread\s+message|thread\s+records\s+succeeded\s+failed\s+busy ms|invalid_email \(100\) \(continued\))\s*$/;
    expect(firstLines.filter((l) => header.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(firstLines.some((l) => /invalid_email \(100\) \(continued\)/.test(l))).toBe(true);
    for (const l of firstLines) expect(l).not.toMatch(/^\s*(user\s+\d+|\d+\s+\d+\s+\d+)/);
    expect(fullPdf.text).not.toMatch(/and \d+ more/);
  });
});
