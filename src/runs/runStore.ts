import { randomBytes } from 'node:crypto';
import type { Connection, HeldLock, Row } from '../db/dialect.js';
import { DistdbError, databaseError } from '../errors.js';
import type { FailureReport, RunReport, RunStatus } from '../reporting/report.js';
import { RUN_FAILURES_TABLE, RUNS_TABLE } from '../schema/distdbTables.js';
import type { RunPlan } from '../simulation/plan.js';
import type { JournalRun } from '../store/journal.js';
import { effectiveStatus, NO_LOCK, OWNER, runLockName, takeRunLock } from './liveness.js';

export interface RunSummary {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  status: RunStatus;
  dataset: string;
  threads: number;
  attempted: number | null;
  succeeded: number | null;
  successRate: number | null;
  durationMs: number | null;
}

export interface NewRun {
  startedAt: string;
  dataset: string;
  threads: number;
  config: unknown;
  plan: RunPlan;
}

/** A run this process runs, and the lock that says so until it is released. */
export interface OwnedRun {
  readonly run: JournalRun;
  readonly lock: HeldLock;
}

/**
 * Run history in the `default` database: one row per run and its failed records. A failure
 * of that database is an error naming it (`alias`). Whoever gets a run from `create` or
 * `claimForResume` releases its lock once the run is finished (see liveness.ts).
 */
export class RunStore {
  constructor(
    readonly conn: Connection,
    readonly alias = 'default',
  ) {}

  #guard<T>(step: () => Promise<T>): Promise<T> {
    return step().catch((err: unknown) => {
      // The store's own refusals (an unknown run, say) stay as they are.
      throw err instanceof DistdbError
        ? err
        : databaseError([{ alias: this.alias, url: this.conn.url.redacted }], err);
    });
  }

  /**
   * Takes the next id and a new run key; concurrent processes retry on the primary key. The
   * run's lock is taken before its row exists, so a running row without it is never live.
   */
  async create(run: NewRun): Promise<OwnedRun> {
    return this.#guard(async () => {
      const key = randomBytes(16).toString('hex');
      const lock = await this.conn.holdLock(runLockName(key));
      if (!lock) throw new DistdbError('runtime', `the lock of a new run (key ${key}) is taken`);
      try {
        return { run: await this.#insertRun(run, key), lock };
      } catch (err) {
        await lock.release();
        throw err;
      }
    });
  }

  async #insertRun(run: NewRun, key: string): Promise<JournalRun> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const rows = await this.conn.query<{ n: number | null }>(`SELECT MAX(id) AS n FROM ${RUNS_TABLE.name}`);
      const id = Number(rows[0]?.n ?? 0) + 1;
      const [w] = await this.conn.insertBatch(RUNS_TABLE, [
        {
          id,
          started_at: run.startedAt,
          finished_at: null,
          status: 'running',
          dataset: run.dataset.slice(0, 255),
          threads: run.threads,
          owner: OWNER,
          plan: JSON.stringify(run.plan),
          config: JSON.stringify(run.config),
          report: null,
          run_key: key,
        },
      ]);
      if (w?.ok) return { id, key };
    }
    throw new DistdbError('runtime', 'could not allocate a run id');
  }

  /**
   * Takes over an interrupted or failed run so it can be finished; refuses runs that are complete,
   * unknown, or still running. A live run's process holds its lock, so taking the lock is what
   * proves it gone; runs without a key go by their owner's pid. Two resumers race on the owner
   * column, which also catches a run that finished after it was read.
   */
  async claimForResume(id: number): Promise<OwnedRun & { plan: RunPlan; threads: number; config: unknown }> {
    return this.#guard(async () => {
      const rows = await this.conn.query(
        `SELECT status, owner, plan, threads, run_key, config FROM ${RUNS_TABLE.name} WHERE id = ?`,
        [id],
      );
      const row = rows[0];
      if (!row) throw new DistdbError('usage', `cannot resume run ${id}: no such run`);
      const [status, owner] = [String(row.status), String(row.owner)];
      const key = row.run_key === null ? null : String(row.run_key);
      if (status === 'completed')
        throw new DistdbError('usage', `cannot resume run ${id}: it is already complete`);
      const stillRunning = () =>
        new DistdbError('conflict', `cannot resume run ${id}: it is still running (process ${owner})`);
      if (key === null && (await effectiveStatus(this.conn, { status, owner, key })) === 'running')
        throw stillRunning();
      const lock = key === null ? NO_LOCK : await takeRunLock(this.conn, key, owner);
      if (!lock) throw stillRunning();
      try {
        const claimed = await this.conn.execute(
          `UPDATE ${RUNS_TABLE.name} SET status = 'running', owner = ? WHERE id = ? AND owner = ? AND status = ?`,
          [OWNER, id, owner, status],
        );
        if (claimed.changes !== 1)
          throw new DistdbError('conflict', `cannot resume run ${id}: another process took it over`);
      } catch (err) {
        await lock.release();
        throw err;
      }
      const plan = JSON.parse(String(row.plan)) as RunPlan;
      const config: unknown = JSON.parse(String(row.config));
      return { run: { id, key }, lock, plan, threads: Number(row.threads), config };
    });
  }

  async clearFailures(runId: number): Promise<void> {
    return this.#guard(async () => {
      await this.conn.execute(`DELETE FROM ${RUN_FAILURES_TABLE.name} WHERE run_id = ?`, [runId]);
    });
  }

  async appendFailures(runId: number, failures: readonly (FailureReport & { seq: number })[]): Promise<void> {
    return this.#guard(async () => {
      if (failures.length === 0) return;
      const rows: Row[] = failures.map((f) => ({
        run_id: runId,
        seq: f.seq,
        model: f.model,
        record_id: f.id === null ? null : String(f.id),
        code: f.code,
        message: f.message,
        thread: f.thread,
      }));
      await this.conn.insertBatch(RUN_FAILURES_TABLE, rows);
    });
  }

  async finish(runId: number, report: RunReport): Promise<void> {
    return this.#guard(async () => {
      await this.conn.execute(
        `UPDATE ${RUNS_TABLE.name} SET status = ?, finished_at = ?, report = ? WHERE id = ?`,
        [report.status, report.finishedAt, JSON.stringify(report), runId],
      );
    });
  }

  async list(limit = 50): Promise<RunSummary[]> {
    return this.#guard(async () => {
      const rows = await this.conn.query(
        `SELECT id, started_at, finished_at, status, owner, dataset, threads, report, run_key FROM ${RUNS_TABLE.name} ORDER BY id DESC LIMIT ${Math.floor(limit)}`,
      );
      // Only rows stored as running are asked about, and those at once.
      const statuses = await Promise.all(
        rows.map((r) =>
          effectiveStatus(this.conn, {
            status: String(r.status),
            owner: String(r.owner),
            key: r.run_key === null ? null : String(r.run_key),
          }),
        ),
      );
      return rows.map((r, n) => {
        const report = r.report ? (JSON.parse(String(r.report)) as RunReport) : undefined;
        return {
          id: Number(r.id),
          startedAt: String(r.started_at),
          finishedAt: r.finished_at === null ? null : String(r.finished_at),
          status: statuses[n] as RunStatus,
          dataset: String(r.dataset),
          threads: Number(r.threads),
          attempted: report?.totals.attempted ?? null,
          succeeded: report?.totals.succeeded ?? null,
          successRate: report?.totals.successRate ?? null,
          durationMs: report?.durationMs ?? null,
        };
      });
    });
  }

  /** The stored report of a run (`latest` for the newest); undefined when there is none. */
  async get(id: number | 'latest'): Promise<RunReport | undefined> {
    return this.#guard(async () => {
      const rows =
        id === 'latest'
          ? await this.conn.query(
              `SELECT report FROM ${RUNS_TABLE.name} WHERE report IS NOT NULL ORDER BY id DESC LIMIT 1`,
            )
          : await this.conn.query(`SELECT report FROM ${RUNS_TABLE.name} WHERE id = ?`, [id]);
      const text = rows[0]?.report;
      return typeof text === 'string' ? (JSON.parse(text) as RunReport) : undefined;
    });
  }

  /** A code's first failures in dataset order. */
  async failuresOfCode(runId: number, code: string, limit: number): Promise<FailureReport[]> {
    return this.#guard(async () => {
      const rows = await this.conn.query(
        `SELECT model, record_id, code, message, thread FROM ${RUN_FAILURES_TABLE.name} WHERE run_id = ? AND code = ? ORDER BY seq LIMIT ${Math.floor(limit)}`,
        [runId, code],
      );
      return rows.map(toFailure);
    });
  }

  async failures(runId: number, limit: number, offset = 0): Promise<FailureReport[]> {
    return this.#guard(async () => {
      const rows = await this.conn.query(
        `SELECT model, record_id, code, message, thread FROM ${RUN_FAILURES_TABLE.name} WHERE run_id = ? ORDER BY seq LIMIT ${Math.floor(limit)} OFFSET ${Math.floor(offset)}`,
        [runId],
      );
      return rows.map(toFailure);
    });
  }
}

/** A stored failure as the report shows it: an id that was a safe integer is a number again. */
function toFailure(r: Row): FailureReport {
  const id = r.record_id === null ? null : String(r.record_id);
  return {
    model: String(r.model),
    id: id !== null && /^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id,
    code: String(r.code) as FailureReport['code'],
    message: String(r.message),
    thread: Number(r.thread),
  };
}
