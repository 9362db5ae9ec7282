import { existsSync, writeFileSync } from 'node:fs';

/**
 * A hook for tests that must stop a run at an exact place (to kill it there, or to take a
 * database away): with `DISTDB_PAUSE_AT` naming a point and `DISTDB_PAUSE_FILE` a path, the
 * process that reaches the point writes its name to the file and waits until the file is
 * removed. Without both variables a point costs one comparison.
 */
const AT = process.env.DISTDB_PAUSE_AT;
const FILE = process.env.DISTDB_PAUSE_FILE;

export async function pausePoint(name: string): Promise<void> {
  if (AT === undefined || FILE === undefined || AT !== name) return;
  writeFileSync(FILE, name);
  while (existsSync(FILE)) await new Promise((resolve) => setTimeout(resolve, 10));
}
