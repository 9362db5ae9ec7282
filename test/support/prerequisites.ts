import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** Where the program `name` runs from: looked up on PATH like a shell does, unless it is a path. */
export function findProgram(name: string): string | undefined {
  const candidates = name.includes('/')
    ? [resolve(name)]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name));
  return candidates.find(isExecutableFile);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether a suite that needs something a machine may lack (`missing` says what, undefined when
 * nothing is) is skipped. A skip is never silent: it prints a notice. CI installs everything, so
 * under CI=true a missing prerequisite is an error instead.
 */
export function skipWithNotice(suite: string, missing: string | undefined): boolean {
  if (missing === undefined) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${suite} cannot run: ${missing}`);
  console.log(`[distdb tests] NOTICE: ${suite} SKIPPED: ${missing} (set CI=true to make this a failure)`);
  return true;
}
