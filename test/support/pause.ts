import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningCli, sleep, startCli } from './processes.js';

/** A `distdb` process started to stop at one pause point (DISTDB_PAUSE_AT, see src/util/pausePoint.ts). */
export interface PausedCli {
  readonly running: RunningCli;
  /** Resolves once the process waits at the point; rejects if it exits first. */
  paused(): Promise<void>;
  /** Lets the process go on from the point. */
  resume(): void;
}

export function startPaused(
  args: string[],
  options: { cwd: string; at: string; env?: Record<string, string> },
): PausedCli {
  const file = join(options.cwd, `pause-${process.pid}-${Math.random().toString(36).slice(2)}`);
  rmSync(file, { force: true });
  const running = startCli(args, {
    cwd: options.cwd,
    env: { ...options.env, DISTDB_PAUSE_AT: options.at, DISTDB_PAUSE_FILE: file },
  });
  let exited: string | undefined;
  void running.done.then((r) => {
    exited = `exited ${r.code} (${r.signal ?? 'no signal'}) before pausing at ${options.at}: ${r.stderr.trim()}`;
  });
  return {
    running,
    async paused() {
      for (const start = Date.now(); Date.now() - start < 60_000; await sleep(5)) {
        if (existsSync(file) && readFileSync(file, 'utf8') === options.at) return;
        if (exited) throw new Error(exited);
      }
      throw new Error(`did not pause at ${options.at} within 60 s`);
    },
    resume: () => rmSync(file, { force: true }),
  };
}

/** Starts `distdb`, waits until it pauses at `at`, and kills it there with SIGKILL. */
export async function killAt(
  args: string[],
  options: { cwd: string; at: string; env?: Record<string, string> },
): Promise<void> {
  const p = startPaused(args, options);
  await p.paused();
  p.running.child.kill('SIGKILL');
  await p.running.done;
  p.resume();
}
