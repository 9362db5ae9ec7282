import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Connection, HeldLock } from '../db/dialect.js';
import type { RunStatus } from '../reporting/report.js';

/**
 * Whether a run marked running is still being run. Its process holds the run's lock in the
 * database of its history from the moment the run is recorded (or taken over) until it is
 * finished; the operating system or the server gives the lock up when the process dies, kill -9
 * included. The owner column (host:pid) only names the process: another host's runs are known
 * too, and a pid taken by an unrelated process since does not keep a run alive.
 */

/** This process, as recorded in the runs it owns. */
export const OWNER = `${hostname()}:${process.pid}`;

/** What stands for the lock of a run recorded before runs had keys: nothing to hold. */
export const NO_LOCK: HeldLock = { lost: new AbortController().signal, release: async () => {} };

export function runLockName(key: string): string {
  return `run-${key}`;
}

function parseOwner(owner: string): { host: string; pid: number } {
  const sep = owner.lastIndexOf(':');
  return { host: owner.slice(0, sep), pid: Number(owner.slice(sep + 1)) };
}

/** This host, and no such process: certain, and cheaper than asking for the lock. */
function ownerGone(owner: string): boolean {
  const { host, pid } = parseOwner(owner);
  // kill(0) and kill(-n) would signal process groups.
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs without a key (recorded by an earlier version) have no lock: only their pid is known,
 * which tells nothing of another host and is fooled by a pid used again.
 */
function legacyOwnerAlive(owner: string): boolean {
  const { host, pid } = parseOwner(owner);
  if (host !== hostname()) return true; // cannot tell from here
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    // A killed process not yet reaped by its parent still answers signals.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function runAlive(conn: Connection, owner: string, key: string | null): Promise<boolean> {
  if (key === null) return legacyOwnerAlive(owner);
  if (ownerGone(owner)) return false;
  return conn.lockHeld(runLockName(key));
}

/** A stored status as it stands: a running run whose process is gone was interrupted. */
export async function effectiveStatus(
  conn: Connection,
  row: { status: string; owner: string; key: string | null },
): Promise<RunStatus> {
  if (row.status !== 'running') return row.status as RunStatus;
  return (await runAlive(conn, row.owner, row.key)) ? 'running' : 'interrupted';
}

/** How long taking over a run waits for a server to notice that its owner died (see takeRunLock). */
const OWNER_GONE_WAIT_MS = 3000;

/**
 * The run's lock, or undefined while another process holds it. A server gives a dead client's
 * locks up once it notices the connection closed, a moment after: when the owner is known to be
 * gone, its lock is waited for a little.
 */
export async function takeRunLock(
  conn: Connection,
  key: string,
  owner: string,
): Promise<HeldLock | undefined> {
  for (const start = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const lock = await conn.holdLock(runLockName(key));
    if (lock || Date.now() - start >= OWNER_GONE_WAIT_MS || !ownerGone(owner)) return lock;
  }
}
