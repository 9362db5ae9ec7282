import { createHash } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, openSync, statSync, unlinkSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { HeldLock } from '../../dialect.js';
import { isBusy } from './errors.js';

/**
 * Named locks of a SQLite database: a lock file next to it, itself opened as an SQLite database
 * and held in an exclusive transaction. SQLite takes the operating system's file locks for that
 * (POSIX advisory locks, LockFileEx on Windows), which die with the process, kill -9 included.
 * A `:memory:` database is seen by this process only, so its locks are this process's own.
 */

/** Locks this process holds (file paths, or names of in-memory ones). */
const heldHere = new Set<string>();

/** How long taking a lock waits for a check or a cleanup that has the file for a moment. */
const HOLD_WAIT_MS = 250;

const NEVER_LOST = new AbortController().signal;

export function lockPath(dbPath: string, name: string): string {
  if (dbPath === ':memory:') return `:memory:${name}`;
  const safe = /^[A-Za-z0-9_-]{1,64}$/.test(name)
    ? name
    : createHash('sha256').update(name).digest('hex').slice(0, 32);
  return `${dbPath}.${safe}.lock`;
}

const inMemory = (path: string) => path.startsWith(':memory:');

/** The file's identity, or undefined when the path names nothing. */
function identity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** Creates the lock file if needed, readable by its owner only; its identity. */
function createFile(path: string): string {
  const fd = openSync(path, 'a', 0o600);
  try {
    const st = fstatSync(fd);
    return `${st.dev}:${st.ino}`;
  } finally {
    closeSync(fd);
    chmodSync(path, 0o600);
  }
}

/**
 * Undefined when another process holds the lock. A file that was removed as stale between
 * being opened and being locked (see removeIfStale) is locked where no one else would look:
 * the lock is taken again on the file now at the path.
 */
export function holdFileLock(path: string): HeldLock | undefined {
  if (heldHere.has(path)) return undefined;
  if (inMemory(path)) return held(path);
  for (let attempt = 0; attempt < 10; attempt++) {
    // This process holds no lock on the file (heldHere), so opening and closing it here cannot
    // drop one: POSIX locks go with any close of the file by their process.
    const before = createFile(path);
    const db = new Database(path, { timeout: HOLD_WAIT_MS, fileMustExist: true });
    try {
      db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      db.close();
      if (isBusy(err)) return undefined;
      throw err;
    }
    if (identity(path) === before) return held(path, db);
    db.close();
  }
  throw new Error(`cannot lock ${path}: it keeps being removed`);
}

function held(path: string, db?: Database.Database): HeldLock {
  heldHere.add(path);
  return {
    lost: NEVER_LOST,
    release: async () => {
      if (!heldHere.delete(path) || !db) return;
      // Removed while still locked, so no one else is using it; Windows refuses to remove an
      // open file, so there it goes once closed.
      const removed = remove(path);
      try {
        db.close();
      } catch {}
      if (!removed) remove(path);
    },
  };
}

function remove(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * A read needs a shared lock, which the holder's exclusive one refuses at once: busy means held.
 * Reading does not stand in the way of anyone taking the lock, as trying to take it would.
 */
export function fileLockHeld(path: string): boolean {
  if (heldHere.has(path)) return true;
  if (inMemory(path)) return false;
  const before = identity(path);
  if (before === undefined) return false;
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0, fileMustExist: true, readonly: true });
  } catch {
    // Removed since (nobody holds it), or not ours to open (then it cannot be called free).
    return identity(path) !== undefined;
  }
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    db.close();
    if (isBusy(err)) return true;
    throw err;
  }
  db.close();
  removeIfStale(path, before);
  return false;
}

/**
 * Removes a lock file nobody holds, under a write lock of its own (which keeps holders out but
 * not readers); a file someone has in hand just now is left alone.
 */
function removeIfStale(path: string, before: string): void {
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0, fileMustExist: true });
  } catch {
    return;
  }
  let removed = true;
  try {
    db.exec('BEGIN IMMEDIATE');
    if (identity(path) === before) removed = remove(path);
    db.exec('ROLLBACK');
  } catch {
    // Busy: someone is taking or checking it; it is theirs to keep or remove.
  } finally {
    db.close();
  }
  // Windows refuses to remove an open file, and so refuses while anyone else has it open.
  if (!removed) remove(path);
}
