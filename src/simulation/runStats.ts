import type { FailureCode } from '../models/failureCodes.js';
import { type FailureReport, type RunReport, successRate, type ThreadReport } from '../reporting/report.js';
import { fairShares } from '../util/fairShares.js';
import { CommitTimeline } from './commitTimeline.js';
import { Histogram } from './histogram.js';
import type { BatchResult } from './messages.js';

interface DatabaseInfo {
  alias: string;
  backend: string;
  url: string;
}

/**
 * Accumulates batch results into report figures in memory bounded by the number of databases,
 * threads and failure codes, plus a bounded number of individual failures per code; the
 * report lists at most `failureCap` of them, with examples of every code.
 */
export class RunStats {
  /** Per model: its databases (its shards, for a sharded one) and its counts. */
  readonly #models = new Map<string, { databases: string[]; attempted: number; succeeded: number }>();
  readonly #databases = new Map<
    string,
    { attempted: number; succeeded: number; retries: number; histogram: Histogram }
  >();
  readonly #threads: ThreadReport[];
  readonly #byCode = new Map<FailureCode, number>();
  /** Per code, its first failures in dataset order (at most failureCap each). */
  readonly #failures = new Map<FailureCode, (FailureReport & { seq: number })[]>();
  #failuresHeld = 0;
  #failuresTotal = 0;
  readonly #commits = new CommitTimeline();
  #expected: Record<string, number> | undefined;
  #mismatches = 0;
  #mismatchExamples: { model: string; index: number; expected: string; actual: string }[] = [];

  constructor(
    private readonly info: {
      databases: DatabaseInfo[];
      /** Model name → the databases it writes (one, or its shards). */
      modelDatabase: Record<string, string[]>;
      threads: number;
      failureCap: number;
      /** Precedence of the schema's failure codes (see codeRanks). */
      codeRank: (code: FailureCode) => number;
    },
  ) {
    for (const [model, databases] of Object.entries(info.modelDatabase)) {
      this.#models.set(model, { databases, attempted: 0, succeeded: 0 });
    }
    for (const db of info.databases) {
      this.#databases.set(db.alias, { attempted: 0, succeeded: 0, retries: 0, histogram: new Histogram() });
    }
    this.#threads = Array.from({ length: info.threads }, (_, i) => ({
      thread: i + 1,
      records: 0,
      succeeded: 0,
      failed: 0,
      busyMs: 0,
    }));
  }

  get done(): number {
    let n = 0;
    for (const m of this.#models.values()) n += m.attempted;
    return n;
  }

  get failed(): number {
    return this.#failuresTotal;
  }

  perDatabase(): Record<string, { attempted: number; succeeded: number }> {
    return Object.fromEntries(
      [...this.#databases].map(([a, d]) => [a, { attempted: d.attempted, succeeded: d.succeeded }]),
    );
  }

  /** `seqBase` is the dataset position of the model's first record, so failures sort in dataset order. */
  /** `timed` is false for batches committed by an earlier attempt at a resumed run. */
  add(result: BatchResult, seqBase: number, timed = true): (FailureReport & { seq: number })[] {
    const model = this.#models.get(result.model);
    if (model) {
      model.attempted += result.attempted;
      model.succeeded += result.succeeded;
      // A sharded model's batch counts to each shard its part; its retries to the first.
      const parts = result.shards ?? [
        { alias: model.databases[0] as string, attempted: result.attempted, succeeded: result.succeeded },
      ];
      parts.forEach((part, i) => {
        const db = this.#databases.get(part.alias);
        if (!db) return;
        db.attempted += part.attempted;
        db.succeeded += part.succeeded;
        if (i === 0) db.retries += result.retries;
        if (timed && part.attempted > 0) db.histogram.add(result.latencyMs, part.attempted);
      });
    }
    const t = this.#threads[result.thread - 1];
    if (t) {
      t.records += result.attempted;
      t.succeeded += result.succeeded;
      t.failed += result.attempted - result.succeeded;
      t.busyMs += result.busyMs;
    }
    if (timed) this.#commits.add(result.committedAt, result.attempted);
    if (result.expected) {
      this.#expected ??= {};
      for (const [code, n] of Object.entries(result.expected))
        this.#expected[code] = (this.#expected[code] ?? 0) + n;
      this.#mismatches += result.mismatchCount ?? 0;
      for (const m of result.mismatches ?? []) {
        if (this.#mismatchExamples.length < 20) this.#mismatchExamples.push({ model: result.model, ...m });
      }
    }
    const failures = result.failures.map((f) => ({
      seq: seqBase + f.index,
      model: result.model,
      id: f.id,
      code: f.code,
      message: f.message,
      thread: result.thread,
    }));
    for (const f of failures) this.#byCode.set(f.code, (this.#byCode.get(f.code) ?? 0) + 1);
    this.#failuresTotal += failures.length;
    for (const f of failures) {
      const list = this.#failures.get(f.code);
      if (list) list.push(f);
      else this.#failures.set(f.code, [f]);
    }
    this.#failuresHeld += failures.length;
    if (this.#failuresHeld > 2 * this.info.failureCap * Math.max(1, this.#failures.size))
      this.#trimFailures();
    return failures;
  }

  #trimFailures(): void {
    this.#failuresHeld = 0;
    for (const list of this.#failures.values()) {
      list.sort((a, b) => a.seq - b.seq);
      list.length = Math.min(list.length, this.info.failureCap);
      this.#failuresHeld += list.length;
    }
  }

  /**
   * At most failureCap failures, shared out between the codes (fairShares), each code's first
   * in dataset order: a large run whose first failures are all of one code still gives
   * examples of every code.
   */
  #listedFailures(): FailureReport[] {
    this.#trimFailures();
    const lists = [...this.#failures.values()];
    const shares = fairShares(
      lists.map((l) => l.length),
      this.info.failureCap,
    );
    return lists
      .flatMap((list, i) => list.slice(0, shares[i]))
      .sort((a, b) => a.seq - b.seq)
      .map(({ seq: _seq, ...f }) => f);
  }

  report(
    base: Pick<RunReport, 'run' | 'status' | 'version' | 'dataset' | 'threads' | 'config'> & {
      startedAt: number;
      finishedAt: number;
      error?: string;
      resumed?: boolean;
      notices?: string[];
      workersStarted: number;
    },
  ): RunReport {
    const durationMs = Math.max(0, base.finishedAt - base.startedAt);
    const seconds = durationMs / 1000;
    const rate = (n: number) => (seconds > 0 ? Math.round(n / seconds) : 0);
    const { models, attempted, succeeded } = this.#modelReports();
    const { databases, latencyHistograms, retries } = this.#databaseReports(rate);
    return {
      run: base.run,
      status: base.status,
      ...(base.resumed ? { resumed: true } : {}),
      ...(base.error ? { error: base.error } : {}),
      version: base.version,
      startedAt: new Date(base.startedAt).toISOString(),
      finishedAt: new Date(base.finishedAt).toISOString(),
      dataset: base.dataset,
      threads: base.threads,
      workersStarted: base.workersStarted,
      durationMs: Math.round(durationMs * 10) / 10,
      recordsPerSecond: rate(attempted),
      totals: {
        attempted,
        succeeded,
        failed: attempted - succeeded,
        successRate: successRate(succeeded, attempted),
      },
      databases,
      models,
      // Threads that were never started (more requested than the work could use) are left out.
      threadStats: this.#threads
        .filter((t) => t.thread <= base.workersStarted || t.records > 0)
        .map((t) => ({ ...t, busyMs: Math.round(t.busyMs * 10) / 10 })),
      failuresByCode: inPrecedence(this.#byCode, this.info.codeRank),
      failuresTotal: this.#failuresTotal,
      failures: this.#listedFailures(),
      latencyHistograms,
      timeline: this.#commits.buckets(base.startedAt, durationMs),
      retries,
      ...(base.notices && base.notices.length > 0 ? { notices: base.notices } : {}),
      ...this.#expectations(succeeded),
      config: base.config,
    };
  }

  #modelReports(): { models: RunReport['models']; attempted: number; succeeded: number } {
    let attempted = 0;
    let succeeded = 0;
    const models: RunReport['models'] = {};
    for (const [name, m] of this.#models) {
      attempted += m.attempted;
      succeeded += m.succeeded;
      const { databases } = m;
      models[name] = {
        // A sharded model names its shards, in its rule's order.
        database: databases.join(','),
        ...(databases.length > 1 ? { shards: databases } : {}),
        attempted: m.attempted,
        succeeded: m.succeeded,
        failed: m.attempted - m.succeeded,
      };
    }
    return { models, attempted, succeeded };
  }

  #databaseReports(
    rate: (n: number) => number,
  ): Pick<RunReport, 'databases' | 'latencyHistograms' | 'retries'> {
    const databases: RunReport['databases'] = {};
    const latencyHistograms: RunReport['latencyHistograms'] = {};
    let retries = 0;
    const round = (x: number) => Math.round(x * 1000) / 1000;
    for (const info of this.info.databases) {
      const d = this.#databases.get(info.alias);
      if (!d) continue;
      retries += d.retries;
      databases[info.alias] = {
        backend: info.backend,
        url: info.url,
        models: [...this.#models].filter(([, m]) => m.databases.includes(info.alias)).map(([n]) => n),
        attempted: d.attempted,
        succeeded: d.succeeded,
        failed: d.attempted - d.succeeded,
        recordsPerSecond: rate(d.attempted),
        latencyMs: {
          p50: round(d.histogram.percentile(50)),
          p95: round(d.histogram.percentile(95)),
          p99: round(d.histogram.percentile(99)),
          max: round(d.histogram.max),
        },
        retries: d.retries,
      };
      latencyHistograms[info.alias] = d.histogram.toJSON();
    }
    return { databases, latencyHistograms, retries };
  }

  /** Intended against actual outcomes, for a generated dataset. */
  #expectations(succeeded: number): Pick<RunReport, 'expectations'> {
    if (!this.#expected) return {};
    const rank = this.info.codeRank;
    return {
      expectations: {
        expected: inPrecedence(new Map(Object.entries(this.#expected)), rank),
        actual: { ok: succeeded, ...inPrecedence(this.#byCode, rank) },
        mismatches: this.#mismatches,
        examples: this.#mismatchExamples.sort((a, b) => a.model.localeCompare(b.model) || a.index - b.index),
      },
    };
  }
}

/** Counts keyed by outcome, `ok` first, then failure codes in precedence order: stable JSON. */
function inPrecedence(
  counts: ReadonlyMap<string, number>,
  codeRank: (code: FailureCode) => number,
): Record<string, number> {
  const rank = (k: string) => (k === 'ok' ? -1 : codeRank(k));
  return Object.fromEntries([...counts].sort(([a], [b]) => rank(a) - rank(b)));
}
