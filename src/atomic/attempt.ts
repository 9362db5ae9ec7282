import type { Connection } from '../db/dialect.js';
import { DistdbError, errorMessage } from '../errors.js';
import { pausePoint } from '../util/pausePoint.js';
import { type Part, phaseTwo, undoPrepared } from './branches.js';
import { heldOpenFor } from './heldOpen.js';
import { type Branch, branchXid, ensureLog, recordDecision, settledDecision } from './log.js';

/**
 * A prepared branch an attempt could not end: to roll back, or (`unknown`) to end as the
 * decision on its transaction in `log` says, once that log answers.
 */
export type Stranded = Branch & {
  readonly verdict: 'rollback' | 'unknown';
  readonly log?: Connection;
};

/** Where the decision was to be stored, and whether it was (see `Attempt.#decide`). */
interface Decided {
  readonly decidedIn: Connection;
  readonly stored: boolean | undefined;
  readonly failure?: unknown;
}

/** What an attempt needs of the deployment: its databases, and where decisions are logged. */
export interface AttemptHost {
  connection(alias: string): Promise<Connection>;
  /** The coordinator log's database (`default`). */
  readonly logAlias: string;
  readonly lockWaitMs: number;
  /** False once the coordinator's lock is gone: recovery may end its transactions, so it decides none. */
  alive(): boolean;
}

/** How an attempt ended: committed (some branches may wait for recovery), or rolled back. */
export interface Ending {
  /** Branches committed by decision but not yet by their database (unreachable in phase 2). */
  readonly inDoubt: readonly Branch[];
  /** The log holding the decision, when one was stored: it goes once every branch has committed. */
  readonly decidedIn?: Connection;
}

/**
 * One run of an `atomic` callback: each database joined on first use, in a transaction that
 * can be prepared where the backend has two-phase commit (and the server allows it). At most
 * one database without it may take part: it commits last, with the decision in its own
 * transaction. Without one, so does the log's database (`default`) when it was written.
 */
export class Attempt {
  readonly #parts = new Map<string, Promise<Part>>();
  /** Prepared branches this attempt could not end: left for the coordinator to end later. */
  readonly #stranded: Stranded[] = [];
  /** The one database taking part without two-phase commit, and why it has none. */
  #lastResource: { alias: string; why: string } | undefined;
  #ended = false;
  /** Set once the attempt begins to end: no database joins after that. */
  #ending = false;

  constructor(
    private readonly host: AttemptHost,
    readonly txid: string,
  ) {}

  /** The transaction of `alias` (begun now if it is the first use); `write` marks it written. */
  async join(alias: string, write: boolean): Promise<Part> {
    if (this.#ending) throw new DistdbError('runtime', 'atomic transaction used after it ended');
    let part = this.#parts.get(alias);
    if (!part) {
      part = this.#begin(alias, this.#parts.size);
      this.#parts.set(alias, part);
    }
    const p = await part;
    if (write) p.wrote = true;
    return p;
  }

  async #begin(alias: string, n: number): Promise<Part> {
    const pool = await this.host.connection(alias);
    const xid = branchXid(this.txid, n);
    const why = pool.twoPhase ? await pool.twoPhase.unavailable() : `${pool.dialect.backend} has none`;
    if (why === undefined && pool.twoPhase) {
      const open = await pool.twoPhase.begin(xid, this.host.lockWaitMs);
      return { alias, pool, open, twoPhase: pool.twoPhase, xid, wrote: false };
    }
    // Checked and taken without a pause between, whatever other joins are under way.
    const other = this.#lastResource;
    if (other && other.alias !== alias)
      throw new DistdbError(
        'usage',
        `atomic: "${other.alias}" and "${alias}" both lack two-phase commit (${other.alias}: ${other.why}; ${alias}: ${why}): one such database at most may take part in an atomic transaction`,
      );
    this.#lastResource = { alias, why: why ?? '' };
    await ensureLog(pool);
    return { alias, pool, open: await heldOpenFor(pool), twoPhase: undefined, xid, wrote: false };
  }

  /** Every database the attempt joined, once every join has settled (a failed one is left out). */
  async #joined(): Promise<Part[]> {
    const settled = await Promise.allSettled(this.#parts.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** Prepared branches left behind: rolled back later where the decision was not stored, else decided by recovery. */
  get stranded(): readonly Stranded[] {
    return this.#stranded;
  }

  /** Whether `err` (or what caused it) is a deadlock or lock wait timeout of a database taken part. */
  async retryable(err: unknown): Promise<boolean> {
    const parts = await this.#joined();
    for (let e: unknown = err; e instanceof Error; e = e.cause) {
      const cause = e;
      // Conflicts only: an embedded database's busy file, a server's deadlock or lock wait.
      if (parts.some((p) => p.pool.twoPhase?.retryable(cause) ?? p.pool.dialect.isTransient(cause)))
        return true;
    }
    return false;
  }

  /** Rolls back every database still open; never throws (a session gone has rolled back). */
  async rollback(): Promise<void> {
    this.#ending = true;
    if (this.#ended) return;
    this.#ended = true;
    await Promise.allSettled((await this.#joined()).map((p) => p.open.rollback()));
  }

  /**
   * Commits every database, or none. One written database commits alone; several are prepared,
   * the decision is stored, then each commits. A failure before the decision rolls every
   * database back and is thrown. Server databases only read end last, whatever happened: the
   * rows they locked (a reference an insert relied on, say) stay locked until the writes are
   * committed. One without two-phase commit only read ends first: its transaction holds the
   * process's turn to write SQLite, which a decision stored in a SQLite `default` needs.
   */
  async commit(): Promise<Ending> {
    if (this.#ended) throw new DistdbError('runtime', 'atomic transaction ended already');
    this.#ending = true;
    const parts = await this.#joined();
    const writers = parts.filter((p) => p.wrote);
    const readers = parts.filter((p) => !p.wrote && p.twoPhase);
    try {
      for (const p of parts.filter((p) => !p.wrote && !p.twoPhase)) await p.open.commit();
      if (writers.length > 1) return await this.#twoPhases(writers);
      this.#ended = true;
      await writers[0]?.open.commit();
      return { inDoubt: [] };
    } catch (err) {
      await this.rollback();
      throw err;
    } finally {
      // Having written nothing, a reader's commit (or its failure) changes nothing.
      await Promise.allSettled(readers.map((p) => p.open.commit()));
    }
  }

  async #twoPhases(writers: readonly Part[]): Promise<Ending> {
    this.#ended = true;
    // The log's own database, written, commits last in one phase with the decision in its
    // transaction: a prepare, a commit of the prepared branch and a commit of the log fewer.
    const last = writers.find((p) => !p.twoPhase) ?? writers.find((p) => p.alias === this.host.logAlias);
    const prepared = writers.filter((p) => p !== last);
    const branches: Branch[] = prepared.map((p) => ({ alias: p.alias, xid: p.xid }));
    await this.#prepare(prepared, last);
    await pausePoint('atomic-prepared');
    const { decidedIn, stored, failure } = await this.#decide(branches, last);
    if (stored === undefined) {
      // Whether the decision was stored is not known: the branches stay prepared for recovery.
      this.#stranded.push(...branches.map((b) => ({ ...b, verdict: 'unknown' as const, log: decidedIn })));
      throw new DistdbError(
        'runtime',
        `atomic: whether transaction ${this.txid} committed is not known (the decision's database did not answer); distdb recover decides it`,
        { reason: 'atomic_in_doubt' },
      );
    }
    if (!stored) {
      await this.#undo(prepared);
      // Its own failure is the callback's to see (and to run again, a deadlock say).
      if (failure !== undefined && last)
        throw new DistdbError('query', `atomic: database "${last.alias}": ${errorMessage(failure)}`, {
          cause: failure,
          alias: last.alias,
        });
      throw new DistdbError('runtime', `atomic: transaction ${this.txid} was rolled back by recovery`, {
        reason: 'atomic_rolled_back',
      });
    }
    await pausePoint('atomic-decided');
    return { inDoubt: await phaseTwo(prepared), decidedIn };
  }

  /**
   * Stores the commit decision: in the last resource's transaction as it commits, else in the
   * log. `stored` is false when it was not (a recovery's abort came first, or the last resource
   * failed before committing: `failure` says why), undefined when a lost answer leaves it
   * unknown (asked again on another session first).
   */
  async #decide(branches: readonly Branch[], last: Part | undefined): Promise<Decided> {
    const decidedIn = last ? last.pool : await this.host.connection(this.host.logAlias);
    if (!this.host.alive()) {
      await last?.open.rollback().catch(() => {});
      return { decidedIn, stored: false };
    }
    if (last) return { decidedIn, ...(await this.#commitLast(last, branches)) };
    try {
      await ensureLog(decidedIn);
      return { decidedIn, stored: await recordDecision(decidedIn, this.txid, 'commit', branches) };
    } catch {
      return { decidedIn, stored: await settledDecision(decidedIn, this.txid) };
    }
  }

  /** The last resource's commit, the decision inside it; `failure` is its own error, if it failed. */
  async #commitLast(last: Part, branches: readonly Branch[]): Promise<Omit<Decided, 'decidedIn'>> {
    try {
      await ensureLog(last.pool);
      // Not recorded: a recovery's abort came first.
      if (!(await recordDecision(last.open.conn, this.txid, 'commit', branches))) {
        await last.open.rollback().catch(() => {});
        return { stored: false };
      }
    } catch (failure) {
      await last.open.rollback().catch(() => {});
      return { stored: false, failure };
    }
    try {
      await last.open.commit();
      return { stored: true };
    } catch (failure) {
      const stored = await settledDecision(last.pool, this.txid);
      return stored === false ? { stored, failure } : { stored };
    }
  }

  /** Rolls back prepared branches; those that cannot be reached now are left for later (`stranded`). */
  async #undo(prepared: readonly Part[]): Promise<void> {
    const results = await Promise.allSettled(prepared.map((p) => undoPrepared(p)));
    results.forEach((r, i) => {
      const p = prepared[i] as Part;
      if (r.status === 'rejected') this.#stranded.push({ alias: p.alias, xid: p.xid, verdict: 'rollback' });
    });
  }

  /** Phase one on every two-phase branch at once; any failure rolls every branch back. */
  async #prepare(prepared: readonly Part[], last: Part | undefined): Promise<void> {
    const results = await Promise.allSettled(prepared.map((p) => p.open.prepare()));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed < 0) return;
    // A branch whose prepare failed may still have been prepared (the answer was lost).
    const done = prepared.filter((_, i) => results[i]?.status === 'fulfilled');
    await Promise.allSettled([
      this.#undo(done),
      ...prepared.map((p, i) =>
        results[i]?.status === 'rejected'
          ? p.twoPhase?.rollbackPrepared(p.xid).catch(() => {
              this.#stranded.push({ alias: p.alias, xid: p.xid, verdict: 'rollback' });
            })
          : undefined,
      ),
      last?.open.rollback(),
    ]);
    const part = prepared[failed] as Part;
    const err = (results[failed] as PromiseRejectedResult).reason;
    const fix = part.twoPhase?.disabledBy(err);
    if (fix)
      throw new DistdbError('config', `database "${part.alias}" (${part.pool.url.redacted}): ${fix}`, {
        cause: err,
      });
    throw new DistdbError('query', `database "${part.alias}": prepare failed: ${errorMessage(err)}`, {
      cause: err,
      alias: part.alias,
    });
  }
}
