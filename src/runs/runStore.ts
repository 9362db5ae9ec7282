import type { Connection, Row } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import type { FailureReport, RunReport, RunStatus } from '../reporting/report.js';
import { RUN_FAILURES_TABLE, RUNS_TABLE } from './tables.js';

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

/** Run history in the `default` database: one row per run and its failed records. */
export class RunStore {
  constructor(readonly conn: Connection) {}

  /** Takes the next id; concurrent processes retry on the primary key. */
  async create(run: {
    startedAt: string;
    dataset: string;
    threads: number;
    config: unknown;
  }): Promise<number> {
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
          config: JSON.stringify(run.config),
          report: null,
        },
      ]);
      if (w?.ok) return id;
    }
    throw new DistdbError('runtime', 'could not allocate a run id');
  }

  async appendFailures(runId: number, failures: readonly (FailureReport & { seq: number })[]): Promise<void> {
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
  }

  async finish(runId: number, report: RunReport): Promise<void> {
    await this.conn.execute(
      `UPDATE ${RUNS_TABLE.name} SET status = ?, finished_at = ?, report = ? WHERE id = ?`,
      [report.status, report.finishedAt, JSON.stringify(report), runId],
    );
  }

  async list(limit = 50): Promise<RunSummary[]> {
    const rows = await this.conn.query(
      `SELECT id, started_at, finished_at, status, dataset, threads, report FROM ${RUNS_TABLE.name} ORDER BY id DESC LIMIT ${Math.floor(limit)}`,
    );
    return rows.map((r) => {
      const report = r.report ? (JSON.parse(String(r.report)) as RunReport) : undefined;
      return {
        id: Number(r.id),
        startedAt: String(r.started_at),
        finishedAt: r.finished_at === null ? null : String(r.finished_at),
        status: String(r.status) as RunStatus,
        dataset: String(r.dataset),
        threads: Number(r.threads),
        attempted: report?.totals.attempted ?? null,
        succeeded: report?.totals.succeeded ?? null,
        successRate: report?.totals.successRate ?? null,
        durationMs: report?.durationMs ?? null,
      };
    });
  }

  /** The stored report of a run (`latest` for the newest); undefined when there is none. */
  async get(id: number | 'latest'): Promise<RunReport | undefined> {
    const rows =
      id === 'latest'
        ? await this.conn.query(
            `SELECT report FROM ${RUNS_TABLE.name} WHERE report IS NOT NULL ORDER BY id DESC LIMIT 1`,
          )
        : await this.conn.query(`SELECT report FROM ${RUNS_TABLE.name} WHERE id = ?`, [id]);
    const text = rows[0]?.report;
    return typeof text === 'string' ? (JSON.parse(text) as RunReport) : undefined;
  }

  async failures(runId: number, limit: number, offset = 0): Promise<FailureReport[]> {
    const rows = await this.conn.query(
      `SELECT model, record_id, code, message, thread FROM ${RUN_FAILURES_TABLE.name} WHERE run_id = ? ORDER BY seq LIMIT ${Math.floor(limit)} OFFSET ${Math.floor(offset)}`,
      [runId],
    );
    return rows.map((r) => ({
      model: String(r.model),
      id:
        r.record_id === null
          ? null
          : /^\d+$/.test(String(r.record_id))
            ? Number(r.record_id)
            : String(r.record_id),
      code: String(r.code) as FailureReport['code'],
      message: String(r.message),
      thread: Number(r.thread),
    }));
  }
}
