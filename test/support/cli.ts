import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `distdb` binary as a subprocess, with no DISTDB_* variables leaking in. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): CliResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('DISTDB_')) env[k] = v;
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...env, ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, no stack trace. */
export function expectOneLineError(r: CliResult): string {
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected a one-line error, got:\n${r.stderr}`);
  if (/\n\s+at /.test(r.stderr)) throw new Error(`stack trace in output:\n${r.stderr}`);
  return lines[0] as string;
}
