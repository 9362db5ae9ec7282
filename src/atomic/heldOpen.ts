import type { Connection, OpenTransaction } from '../db/dialect.js';
import { DistdbError } from '../errors.js';

/** The calls of a Connection that reach the database (the others are plain values or pure functions). */
const DATABASE_CALLS = [
  'query',
  'execute',
  'runCompiled',
  'transaction',
  'insertBatch',
  'integerRange',
  'existing',
  'truncate',
  'tableExists',
  'textLength',
] as const;

/** Work for the transaction's runner, or the end of the transaction. */
type Message =
  | { readonly kind: 'work'; run(tx: Connection): Promise<void> }
  | { readonly kind: 'end'; readonly commit: boolean };

class Inbox {
  readonly #queue: Message[] = [];
  #waiting: ((m: Message) => void) | undefined;

  post(message: Message): void {
    const take = this.#waiting;
    this.#waiting = undefined;
    if (take) take(message);
    else this.#queue.push(message);
  }

  next(): Promise<Message> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }
}

const rollback = new Error('distdb: atomic rolled back');

/**
 * A transaction of a backend without two-phase commit, held open across calls: `conn.transaction`
 * runs a runner that starts each posted call inside the transaction (where a SQLite connection
 * tells its own transaction's statements from other callers', who wait), until the end is posted.
 */
export async function heldOpenFor(conn: Connection): Promise<OpenTransaction> {
  const inbox = new Inbox();
  let started: (tx: Connection) => void = () => {};
  const opened = new Promise<Connection>((resolve) => {
    started = resolve;
  });
  const ended = conn.transaction(async (tx) => {
    started(tx);
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      const m = await inbox.next();
      if (m.kind === 'end') {
        await Promise.allSettled(inFlight);
        if (!m.commit) throw rollback;
        return;
      }
      const p = m.run(tx).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  });
  const tx = await Promise.race([opened, ended.then(() => Promise.reject(new Error('transaction ended')))]);
  let over = false;
  const within = <T>(call: (tx: Connection) => Promise<T>): Promise<T> =>
    over
      ? Promise.reject(new DistdbError('runtime', 'transaction used after it ended'))
      : new Promise<T>((resolve, reject) => {
          inbox.post({ kind: 'work', run: (t) => call(t).then(resolve, reject) });
        });
  const end = async (commit: boolean) => {
    if (over) throw new DistdbError('runtime', 'transaction used after it ended');
    over = true;
    inbox.post({ kind: 'end', commit });
    await ended.catch((err: unknown) => {
      if (err !== rollback) throw err;
    });
  };
  return {
    conn: relayed(tx, within),
    prepare: () =>
      Promise.reject(new DistdbError('runtime', `${tx.dialect.backend} has no two-phase commit`)),
    commit: () => end(true),
    rollback: () => end(false),
  };
}

/** `tx` with each database call relayed through `within`. */
function relayed(
  tx: Connection,
  within: <T>(call: (tx: Connection) => Promise<T>) => Promise<T>,
): Connection {
  const calls = new Set<string | symbol>(DATABASE_CALLS);
  return new Proxy(tx, {
    // The connection's own methods and getters run on it, not on the proxy (private fields).
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!calls.has(prop)) return value.bind(target);
      return (...args: unknown[]) => within((t) => Reflect.apply(value, t, args) as Promise<unknown>);
    },
  });
}
