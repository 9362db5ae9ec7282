/**
 * A large generated run fails mostly users first: its stored report and every report format
 * must still show examples of every failure code, loading from run history what the stored
 * report does not hold.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/deployments.js';

const cwd = tempDir('distdb-examples-');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

let report: { failuresByCode: Record<string, number>; failures: { code: string }[]; failuresTotal: number };

beforeAll(() => {
  const r = runCli(
    [
      'simulate',
      '--dataset',
      'generated',
      '--records',
      '40000',
      '--invalid-ratio',
      '0.2',
      '--json',
      '--no-progress',
    ],
    { cwd },
  );
  expect(r.code, r.stderr).toBe(0);
  report = JSON.parse(r.stdout);
});

function examplesPerCode(failures: { code: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of failures) out[f.code] = (out[f.code] ?? 0) + 1;
  return out;
}

describe('examples of every failure code', () => {
  it('the stored report holds at most 1,000 failures, with examples of every code', () => {
    expect(report.failuresTotal).toBeGreaterThan(5000);
    expect(report.failures.length).toBe(1000);
    const codes = Object.keys(report.failuresByCode);
    expect(codes.length).toBeGreaterThanOrEqual(8);
    const held = examplesPerCode(report.failures);
    for (const code of codes) expect([code, (held[code] ?? 0) > 0]).toEqual([code, true]);
  });

  it('report --format md lists for each code its share of --max-failures, loading from history what the stored report lacks', () => {
    const r = runCli(['report', 'latest', '--format', 'md', '--max-failures', '4000'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    // Per "### code (count)" section, the rows of its table.
    const listed: Record<string, number> = {};
    for (const section of r.stdout.split(/^### /m).slice(1)) {
      const code = section.slice(0, section.indexOf(' ')).replace(/\\_/g, '_');
      listed[code] = section.split('\n').filter((l) => /^\| (user|product|order) \|/.test(l)).length;
    }
    const counts = report.failuresByCode;
    expect(Object.keys(listed).sort()).toEqual(Object.keys(counts).sort());
    const total = Object.values(listed).reduce((a, b) => a + b, 0);
    expect(total).toBe(Math.min(4000, report.failuresTotal));
    for (const [code, n] of Object.entries(listed)) {
      // Every code gets its share: all of its failures, or at least an even share of 4,000.
      expect([code, n >= Math.min(counts[code] ?? 0, Math.floor(4000 / Object.keys(counts).length))]).toEqual(
        [code, true],
      );
    }
  });
});
