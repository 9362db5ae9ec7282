import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CANONICAL_OUTCOME } from '../support/canonical.js';
import { expectOneLineError, runCli } from '../support/cli.js';
import { tempDir } from '../support/deployments.js';

const dirs: string[] = [];
function fresh(): string {
  const d = tempDir('distdb-reports-');
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('run history: distdb runs and distdb report', () => {
  const cwd = fresh();
  const printed: unknown[] = [];

  it('before any run: runs says so, report latest is a one-line error with exit code 2', () => {
    const runs = runCli(['runs'], { cwd });
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/no runs yet/);
    const r = runCli(['report', 'latest'], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/no runs yet/);
  });

  it('runs lists every simulation, newest first, with its figures', () => {
    for (const args of [['--threads', '2'], ['--reset', '--threads', '5'], ['--reset']]) {
      const r = runCli(['simulate', '--json', ...args], { cwd });
      expect(r.code).toBe(0);
      printed.push(JSON.parse(r.stdout));
    }
    const r = runCli(['runs'], { cwd });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+started\s+dataset\s+threads\s+status\s+succeeded\s+success\s+duration$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[0])).toEqual(['3', '2', '1']);
    expect(lines[2]).toMatch(
      /^\s*2\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+canonical\s+5\s+completed\s+24\/30\s+80\.0%\s+\d+\.\d\d s$/,
    );
    const json = JSON.parse(runCli(['runs', '--json', '--limit', '2'], { cwd }).stdout);
    expect(json.map((x: { id: number }) => x.id)).toEqual([3, 2]);
    expect(json[0]).toMatchObject({
      status: 'completed',
      dataset: 'canonical',
      threads: 10,
      successRate: 80,
    });
  });

  it('report --format json is the document simulate --json printed, for latest and by id', () => {
    const latest = runCli(['report', 'latest', '--format', 'json'], { cwd });
    expect(latest.code).toBe(0);
    expect(JSON.parse(latest.stdout)).toEqual(printed[2]);
    expect(JSON.parse(runCli(['report', '1', '--format', 'json'], { cwd }).stdout)).toEqual(printed[0]);
  });

  it('an unknown run is a one-line error with exit code 2; so is a bad id', () => {
    const r = runCli(['report', '999'], { cwd });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/no report for run 999/);
    const bad = runCli(['report', 'abc'], { cwd });
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad)).toMatch(/run id .* or "latest"/);
  });

  it('report --format md prints Markdown with every section; text is the terminal report', () => {
    const md = runCli(['report', '2', '--format', 'md'], { cwd });
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# distdb run 2\n/);
    expect(md.stdout).toContain('- **Success rate:** 80.0%');
    expect(md.stdout).toMatch(/\| users \| 10 \| 8 \| 2 \| 80\.0% \|/);
    for (const [, , code] of CANONICAL_OUTCOME.failures)
      expect(md.stdout).toContain(`### ${String(code).replace(/_/g, '\\_')} (`);
    const text = runCli(['report', '2'], { cwd });
    expect(text.stdout).toContain('Total: 24/30 succeeded (80.0%), 6 failed');
  });

  it('text formats go to stdout, or to --out with one line on stderr; PDF defaults to distdb-run-<id>.pdf', () => {
    const out = runCli(['report', 'latest', '--format', 'md', '--out', 'run.md'], { cwd });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('wrote report run 3 (md) to run.md\n');
    expect(readFileSync(join(cwd, 'run.md'), 'utf8')).toMatch(/^# distdb run 3/);
    const pdf = runCli(['report', '1', '--format', 'pdf'], { cwd });
    expect(pdf.code).toBe(0);
    expect(pdf.stderr).toBe('wrote report run 1 (pdf) to distdb-run-1.pdf\n');
    expect(readFileSync(join(cwd, 'distdb-run-1.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('simulate --report writes the report at the end of the run; --out needs --report', () => {
    const r = runCli(['simulate', '--reset', '--report', 'md'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('wrote report run 4 (md) to distdb-run-4.md');
    expect(existsSync(join(cwd, 'distdb-run-4.md'))).toBe(true);
    const bad = runCli(['simulate', '--reset', '--out', 'x.pdf'], { cwd });
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad)).toMatch(/--out needs --report/);
    const format = runCli(['simulate', '--reset', '--report', 'docx'], { cwd });
    expect(format.code).toBe(2);
  });
});
