import { AsyncLocalStorage } from 'node:async_hooks';
import { DistdbError } from '../../../errors.js';

/** What a transaction runs its control statements with (synchronously, as better-sqlite3 does). */
export interface SessionSql {
  exec(sql: string): void;
  readonly inTransaction: boolean;
}

/** One open transaction of a connection, and the savepoints opened in it one after the other. */
class OpenTransaction {
  open = true;
  #savepoints = 0;
  /** Nested transactions of concurrent callers inside this one take turns (savepoints are a stack). */
  #nested: Promise<unknown> = Promise.resolve();

  constructor(readonly owner: Session) {}

  nextSavepoint(): string {
    return `distdb_sp${++this.#savepoints}`;
  }

  inTurn<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#nested.then(step, step);
    this.#nested = result.catch(() => {});
    return result;
  }
}

const current = new AsyncLocalStorage<OpenTransaction>();

/**
 * The one session of a SQLite connection, shared by every caller: a mutex that a transaction
 * holds from BEGIN to COMMIT, so that concurrent callers never run inside (or end) each other's
 * transaction. Work started from inside a transaction (in its async context) is part of it and
 * runs at once; a nested `transaction` is a savepoint.
 */
export class Session {
  #tail: Promise<unknown> = Promise.resolve();
  #held = false;
  #closed = false;

  constructor(private readonly sql: SessionSql) {}

  /** Whether the caller runs inside a transaction of this session that is still open. */
  get inTransaction(): boolean {
    return this.#own() !== undefined;
  }

  /** Runs `work` alone on the session: at once when free or when called from its transaction. */
  exclusive<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#own() || !this.#held) {
      try {
        return Promise.resolve(work());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.#queued(async () => work());
  }

  /** `fn` in one transaction (BEGIN `begin` … COMMIT), or in a savepoint of the caller's own one. */
  transaction<T>(begin: string, fn: () => Promise<T>, afterCommit?: () => void): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    const own = this.#own();
    if (own) return own.inTurn(() => this.#savepoint(own, fn));
    return this.#queued(async () => {
      const tx = new OpenTransaction(this);
      this.sql.exec(begin);
      try {
        const result = await current.run(tx, fn);
        this.sql.exec('COMMIT');
        afterCommit?.();
        return result;
      } catch (err) {
        if (this.sql.inTransaction) this.sql.exec('ROLLBACK');
        throw err;
      } finally {
        tx.open = false;
      }
    });
  }

  /** Waits for every transaction to end; later calls fail. */
  async close(): Promise<void> {
    if (this.#own())
      throw new DistdbError('usage', 'cannot close a connection from inside its own transaction');
    this.#closed = true;
    await this.#tail.catch(() => {});
  }

  async #savepoint<T>(tx: OpenTransaction, fn: () => Promise<T>): Promise<T> {
    if (!tx.open) throw new DistdbError('runtime', 'transaction used after it ended');
    const name = tx.nextSavepoint();
    this.sql.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.sql.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      if (this.sql.inTransaction) this.sql.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw err;
    }
  }

  /** Runs `step` once every earlier holder is done, holding the session meanwhile. */
  #queued<T>(step: () => Promise<T>): Promise<T> {
    const run = async () => {
      this.#held = true;
      try {
        return await step();
      } finally {
        this.#held = false;
      }
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => {});
    return result;
  }

  #own(): OpenTransaction | undefined {
    const tx = current.getStore();
    return tx?.owner === this && tx.open ? tx : undefined;
  }
}

function closedError(): DistdbError {
  return new DistdbError('usage', 'the connection is closed');
}
