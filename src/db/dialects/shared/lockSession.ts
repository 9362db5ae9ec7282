/**
 * A session of its own holding one named lock, outside the pool: `withLock`'s `fn` keeps every
 * pool connection, and a lock held for a whole run does not take a pool slot away.
 */
export interface LockSession {
  /** Waits for the lock (`withLock`); false when it was not granted in time. */
  acquire(): Promise<boolean>;
  /** Takes the lock of `holdLock` if it is free now; false when another session holds it. */
  tryAcquire(): Promise<boolean>;
  release(): Promise<unknown>;
  end(): Promise<unknown>;
  /** Aborted when the session's connection closes before `end()`: its locks went with it. */
  readonly lost: AbortSignal;
}

/** What a driver's connection emits when it goes: an error, and `end` (also after our own end). */
interface Closable {
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/**
 * Watches a lock session's connection: `lost` aborts when it closes before `ending()` was called.
 * Listening also keeps a connection error from being an uncaught 'error' event.
 */
export function watchSession(conn: Closable): { lost: AbortSignal; ending(): void } {
  const lost = new AbortController();
  let ending = false;
  const gone = (reason: Error) => {
    if (!ending && !lost.signal.aborted) lost.abort(reason);
  };
  conn.on('error', gone);
  conn.on('end', () => gone(new Error('the server closed the connection')));
  return {
    lost: lost.signal,
    ending: () => {
      ending = true;
    },
  };
}

/** Unlocks, then ends the session (which would drop the lock anyway); never throws. */
export function releaseSession(session: LockSession): Promise<void> {
  return session
    .release()
    .catch(() => {})
    .finally(() => session.end().catch(() => {}))
    .then(() => {});
}
