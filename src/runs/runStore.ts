import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Connection, Row } from '../db/dialect.js';
import { DistdbError, databaseError } from '../errors.js';
import type { FailureReport, RunReport, RunStatus } from '../reporting/report.js';
import type { RunPlan } from '../simulation/plan.js';
import type { JournalRun } from '../store/journal.js';
import { RUN_FAILURES_TABLE, RUNS_TABLE } from './tables.js';

/** This process, as recorded in the runs it owns. */
const OWNER = `${hostname()}:${process.pid}`;

/** A run marked running whose process is gone (killed, crashed, machine restarted) was interrupted. */
function ownerAlive(owner: string): boolean {
  const sep = owner.lastIndexOf(':');
  const host = owner.slice(0, sep);
  const pid = Number(owner.slice(sep + 1));
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

function effectiveStatus(status: string, owner: string): RunStatus {
  return status === 'running' && !ownerAlive(owner) ? 'interrupted' : (status as RunStatus);
}

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

/**
 * Run history in the `default` database: one row per run and its failed records. A failure
 * of that database is an error naming it (`alias`).
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

  /** Takes the next id and a new run key; concurrent processes retry on the primary key. */
  async create(run: {
    startedAt: string;
    dataset: string;
    threads: number;
    config: unknown;
    plan: RunPlan;
  }): Promise<JournalRun> {
    return this.#guard(async () => {
      const key = randomBytes(16).toString('hex');
      for (let attempt = 0; attempt < 50; attempt++) {
        const rows = await this.conn.query<{ n: number | null }>(
          `SELECT MAX(id) AS n FROM ${RUNS_TABLE.name}`,
        );
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
    });
  }

  /**
   * Takes over an interrupted or failed run so it can be finished; refuses runs that are complete,
   * unknown, or still running in a live process. Two resumers race on the owner column.
   */
  async claimForResume(id: number): Promise<{ run: JournalRun; plan: RunPlan; threads: number }> {
    return this.#guard(async () => {
      const rows = await this.conn.query(
        `SELECT status, owner, plan, threads, run_key FROM ${RUNS_TABLE.name} WHERE id = ?`,
        [id],
      );
      const row = rows[0];
      if (!row) throw new DistdbError('usage', `cannot resume run ${id}: no such run`);
      const status = effectiveStatus(String(row.status), String(row.owner));
      if (status === 'completed')
        throw new DistdbError('usage', `cannot resume run ${id}: it is already complete`);
      if (status === 'running')
        throw new DistdbError(
          'conflict',
          `cannot resume run ${id}: it is still running (process ${row.owner})`,
        );
      const claimed = await this.conn.execute(
        `UPDATE ${RUNS_TABLE.name} SET status = 'running', owner = ? WHERE id = ? AND owner = ? AND status = ?`,
        [OWNER, id, String(row.owner), String(row.status)],
      );
      if (claimed.changes !== 1)
        throw new DistdbError('conflict', `cannot resume run ${id}: another process took it over`);
      return {
        run: { id, key: row.run_key === null ? null : String(row.run_key) },
        plan: JSON.parse(String(row.plan)) as RunPlan,
        threads: Number(row.threads),
      };
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
        `SELECT id, started_at, finished_at, status, owner, dataset, threads, report FROM ${RUNS_TABLE.name} ORDER BY id DESC LIMIT ${Math.floor(limit)}`,
      );
      return rows.map((r) => {
        const report = r.report ? (JSON.parse(String(r.report)) as RunReport) : undefined;
        return {
          id: Number(r.id),
          startedAt: String(r.started_at),
          finishedAt: r.finished_at === null ? null : String(r.finished_at),
          status: effectiveStatus(String(r.status), String(r.owner)),
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
