import { randomBytes } from 'node:crypto';
import type { Connection, HeldLock } from '../db/dialect.js';
import { dialectFor } from '../db/registry.js';
import type { DatabaseUrl } from '../db/url.js';
import { DistdbError } from '../errors.js';
import type { TxHost } from '../queries/transaction.js';
import { Slots } from '../util/slots.js';
import { AtomicTx } from './atomicTx.js';
import { Attempt, type Ending, type Stranded } from './attempt.js';
import {
  type Branch,
  coordinatorLock,
  deploymentPrefix,
  deploymentTag,
  forgetCoordinator,
  parseXid,
  registerCoordinator,
  settledDecision,
  txidOf,
} from './log.js';
import {
  type RecoveryHost,
  type RecoveryResult,
  recoverAbandoned,
  recoverAtomic,
  recoveryHostOf,
} from './recover.js';
import { DecisionSweeper } from './sweeper.js';

export interface AtomicOptions {
  /** Runs of the whole callback after a deadlock or a lock wait that ran out (default 0). */
  readonly retries?: number;
  /** How long one statement waits for a lock before it fails (default 2,000 ms). */
  readonly lockWaitMs?: number;
}

/** What this deployment's `atomic` calls came to. */
export interface AtomicStats {
  committed: number;
  rolledBack: number;
  /** Callbacks run again after a retryable failure. */
  retried: number;
  /** Branches committed by decision whose database did not answer in phase 2 (recovery commits them). */
  inDoubt: number;
}

/** What a coordinator needs of its deployment: transactions, and its databases for recovery. */
export interface CoordinatorHost extends TxHost {
  readonly aliases: readonly string[];
  databaseExists(alias: string): Promise<boolean>;
}

const DEFAULT_LOCK_WAIT_MS = 2_000;
const RETRY_LATER_MS = 1_000;
/** How long opening a deployment waits for the recovery it started. */
const OPEN_RECOVERY_WAIT_MS = 5_000;
/** In flight at once where no database has a pool (embedded files only). */
const MAX_IN_FLIGHT = 64;

/**
 * A deployment's coordinator of transactions across databases: registered in the log's
 * database (with a lock it holds while alive) before its first one, so that recovery can tell
 * its transactions in progress from those a crash left in doubt.
 */
export class Coordinator {
  /** The deployment's tag, then this process's own part (new after its lock is lost). */
  id: string;
  readonly stats: AtomicStats = { committed: 0, rolledBack: 0, retried: 0, inDoubt: 0 };
  #seq = 0;
  /** Moves on when the coordinator's lock is lost: attempts of an earlier generation decide nothing. */
  #generation = 0;
  #registered: Promise<HeldLock> | undefined;
  readonly #later = new Set<Promise<void>>();
  readonly #sweeper = new DecisionSweeper();

  #slots: Promise<Slots> | undefined;

  /** What opening recovered, until `recover()` reports it. */
  #recovered: RecoveryResult | undefined;

  constructor(
    private readonly host: CoordinatorHost,
    /** The coordinator log's database. */
    private readonly logAlias: string,
    private readonly databases: Readonly<Record<string, DatabaseUrl>>,
  ) {
    this.#tag = deploymentTag(databases[logAlias]?.redacted ?? logAlias);
    this.id = `${this.#tag}${randomBytes(5).toString('hex')}`;
  }

  readonly #tag: string;

  /** How the branch ids of this deployment start. */
  get prefix(): string {
    return deploymentPrefix(this.#tag);
  }

  /**
   * Callbacks in flight at once: one fewer than the smallest connection pool of the databases.
   * Each holds at most one connection of a database for its transaction there, so a pool always
   * keeps one for the short statements beside them (a table check, ids drawn), and a callback
   * never waits for a connection that only another waiting callback could give back.
   */
  #admission(): Promise<Slots> {
    this.#slots ??= (async () => {
      let smallest = Number.POSITIVE_INFINITY;
      for (const url of Object.values(this.databases)) {
        const size = (await dialectFor(url)).poolSize?.(url);
        if (size !== undefined) smallest = Math.min(smallest, size);
      }
      if (smallest < 2)
        throw new DistdbError(
          'usage',
          'atomic needs connection pools of 2 or more (a callback keeps one of each database it joins): raise ?pool=',
        );
      return new Slots(Number.isFinite(smallest) ? smallest - 1 : MAX_IN_FLIGHT);
    })();
    return this.#slots;
  }

  async run<T, DB>(fn: (tx: AtomicTx<DB>) => Promise<T>, options: AtomicOptions = {}): Promise<T> {
    const retries = options.retries ?? 0;
    if (!Number.isSafeInteger(retries) || retries < 0)
      throw new DistdbError('usage', `atomic: retries must be a whole number, got ${retries}`);
    return (await this.#admission()).hold(() => this.#rounds(fn, retries, options));
  }

  async #rounds<T, DB>(
    fn: (tx: AtomicTx<DB>) => Promise<T>,
    retries: number,
    options: AtomicOptions,
  ): Promise<T> {
    // Registered (again, after a lost lock) before this generation's attempts begin.
    await this.#register();
    const generation = this.#generation;
    const attemptHost = {
      connection: (alias: string) => this.host.connection(alias),
      logAlias: this.logAlias,
      lockWaitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
      alive: () => this.#generation === generation,
    };
    for (let round = 0; ; round++) {
      const attempt = new Attempt(attemptHost, txidOf(this.id, ++this.#seq));
      try {
        const result = await fn(new AtomicTx<DB>(this.host, attempt));
        this.#ended(await attempt.commit(), attempt.txid);
        return result;
      } catch (err) {
        await attempt.rollback();
        if (round < retries && (await attempt.retryable(err))) {
          this.stats.retried++;
          continue;
        }
        this.stats.rolledBack++;
        throw err;
      } finally {
        this.#strand(attempt.stranded);
      }
    }
  }

  #ended(ending: Ending, txid: string): void {
    this.stats.committed++;
    const { decidedIn } = ending;
    const forget = () => decidedIn && this.#sweeper.add(decidedIn, txid);
    if (ending.inDoubt.length === 0) {
      forget();
      return;
    }
    this.stats.inDoubt += ending.inDoubt.length;
    const later: Promise<void> = this.#endLater(ending.inDoubt, 'commit', forget).finally(() =>
      this.#later.delete(later),
    );
    this.#later.add(later);
  }

  /** Phase two again, every second, for branches whose database did not answer; then `done`. */
  async #endLater(
    branches: readonly Branch[],
    verdict: 'commit' | 'rollback',
    done: () => void,
  ): Promise<void> {
    let left = [...branches];
    while (left.length > 0 && this.#registered) {
      await new Promise((r) => setTimeout(r, RETRY_LATER_MS).unref());
      const tried = await Promise.all(left.map((b) => this.#endPrepared(b, verdict)));
      left = left.filter((_, i) => !tried[i]);
    }
    if (left.length === 0) {
      this.stats.inDoubt -= branches.length;
      done();
    }
  }

  /**
   * Branches an attempt left prepared: counted in doubt, so that this process's row stays in
   * the log when it closes and the next opening recovers them, and rolled back meanwhile where
   * that was the verdict.
   */
  #strand(branches: readonly Stranded[]): void {
    if (branches.length === 0) return;
    this.stats.inDoubt += branches.length;
    for (const b of branches) {
      const later: Promise<void> = this.#settle(b).finally(() => this.#later.delete(later));
      this.#later.add(later);
    }
  }

  /** A stranded branch ended once its verdict is known (its log answers), while this process runs. */
  async #settle(b: Stranded): Promise<void> {
    const txid = parseXid(b.xid)?.txid;
    while (this.#registered && txid) {
      const commit = b.verdict === 'rollback' ? false : b.log && (await settledDecision(b.log, txid));
      if (commit !== undefined) return this.#endLater([b], commit ? 'commit' : 'rollback', () => {});
      await new Promise((r) => setTimeout(r, RETRY_LATER_MS).unref());
    }
  }

  /** Whether the branch was ended now (not found is not ended: another session may hold it still). */
  async #endPrepared(b: Branch, verdict: 'commit' | 'rollback'): Promise<boolean> {
    try {
      const tp = (await this.host.connection(b.alias)).twoPhase;
      if (!tp) return true;
      if (await (verdict === 'commit' ? tp.commitPrepared(b.xid) : tp.rollbackPrepared(b.xid))) return true;
      // Not found: ended already, unless a session still holds it (then it is listed).
      return !(await tp.prepared(b.xid)).includes(b.xid);
    } catch {
      return false;
    }
  }

  #register(): Promise<HeldLock> {
    if (!this.#registered) {
      const registering = this.#take();
      this.#registered = registering;
      registering.catch(() => {
        if (this.#registered === registering) this.#registered = undefined;
      });
    }
    return this.#registered;
  }

  async #take(): Promise<HeldLock> {
    const conn: Connection = await this.host.connection(this.logAlias);
    const lock = await conn.holdLock(coordinatorLock(this.id));
    if (!lock) throw new DistdbError('runtime', `atomic: coordinator ${this.id} is registered already`);
    // Recovery elsewhere may now end this coordinator's transactions: none of them may commit,
    // and the next call registers again under a new id.
    lock.lost.addEventListener(
      'abort',
      () => {
        this.#generation++;
        this.#registered = undefined;
        this.id = `${this.#tag}${randomBytes(5).toString('hex')}`;
      },
      { once: true },
    );
    try {
      await registerCoordinator(conn, this.id);
    } catch (err) {
      await lock.release();
      throw err;
    }
    return lock;
  }

  /** Recovery when the log names a coordinator that died (a deployment opening); never throws. */
  async recoverAbandoned(): Promise<void> {
    const recovering = recoverAbandoned(this.#recoveryHost()).then(
      (r) => {
        this.#recovered = r;
      },
      () => {},
    );
    this.#later.add(recovering);
    // Opening waits for it, but not for a database that keeps it waiting (a lock held elsewhere).
    await Promise.race([recovering, new Promise((r) => setTimeout(r, OPEN_RECOVERY_WAIT_MS).unref())]);
  }

  /** Recovery of every database; what opening recovered is reported with it, once. */
  async recover(): Promise<RecoveryResult> {
    const now = await recoverAtomic(this.#recoveryHost());
    const atOpen = this.#recovered;
    this.#recovered = undefined;
    return atOpen ? { branches: [...atOpen.branches, ...now.branches], unreachable: now.unreachable } : now;
  }

  #recoveryHost(): RecoveryHost {
    return recoveryHostOf(this.host, {
      logAlias: this.logAlias,
      ownCoordinator: this.id,
      prefix: this.prefix,
    });
  }

  /** Leaves the log: its row goes once nothing of it is in doubt (recovery finishes the rest). */
  async close(): Promise<void> {
    await this.#sweeper.flush();
    // Background endings and an opening's recovery stop at their next step once unregistered and closed.
    const registered = this.#registered;
    if (!registered) return;
    this.#registered = undefined;
    const lock = await registered.catch(() => undefined);
    if (!lock) return;
    if (this.stats.inDoubt === 0)
      await forgetCoordinator(await this.host.connection(this.logAlias), this.id).catch(() => {});
    await lock.release();
  }
}
