import { type ChildProcess, spawn } from 'node:child_process';
import { CLI, type CliResult } from './cli.js';

/** The environment runCli uses: the test's own, minus any DISTDB_* variable. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('DISTDB_')) env[k] = v;
  return { ...env, ...extra };
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Resolves when the process has exited and been reaped, with everything it printed. */
  readonly done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** Starts `distdb` without waiting for it (for concurrent processes and kill -9 trials). */
export function startCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; umask?: string },
): RunningCli {
  const command = options.umask
    ? spawn('/bin/sh', ['-c', `umask ${options.umask} && exec "$0" "$@"`, process.execPath, CLI, ...args], {
        cwd: options.cwd,
        env: cleanEnv(options.env),
      })
    : spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: cleanEnv(options.env) });
  let stdout = '';
  let stderr = '';
  command.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  command.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    command.on('error', reject);
    // 'close' comes after 'exit' and after the pipes are drained; the child is reaped by then.
    command.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child: command, done };
}

/** Runs `distdb` to completion asynchronously (so several can run at once). */
export function runCliAsync(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; umask?: string; timeoutMs?: number },
): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  const running = startCli(args, options);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  return running.done.finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `--url alias=URL` for every alias. */
export function urlFlags(urls: Record<string, string>): string[] {
  return Object.entries(urls).flatMap(([alias, url]) => ['--url', `${alias}=${url}`]);
}
