import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/deployments.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The chart's text elements, as a reader sees them. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
}

describe('outcomes chart', () => {
  it('counts are grouped by thousands like the rest of the report (1,234, not 1234)', () => {
    const cwd = tempDir('distdb-charts-');
    dirs.push(cwd);
    const run = runCli(
      [
        'simulate',
        '--dataset',
        'generated',
        '--users',
        '1234',
        '--products',
        '1000',
        '--orders',
        '1000',
        '--invalid-ratio',
        '0',
        '--json',
      ],
      { cwd },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      databases: Record<string, { attempted: number; succeeded: number }>;
    };
    expect(report.databases.users).toMatchObject({ attempted: 1234, succeeded: 1234 });

    const html = runCli(['report', 'latest', '--format', 'html'], { cwd });
    expect(html.code).toBe(0);
    // The first chart of the page is the outcomes chart.
    const svg = html.stdout.match(/<svg\b[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(svg).toContain('<title>Outcomes per database</title>');
    const texts = svgTexts(svg);
    expect(texts).toContain('1,234');
    expect(texts).toContain('1,234/1,234 (100.0%)');
    expect(texts).toContain('1,000/1,000 (100.0%)');
    expect(texts.filter((t) => /\d{4}/.test(t))).toEqual([]);
  });
});
