import type { Distdb } from '../../distdb.js';
import { type JournalRun, readRunJournal } from '../../store/journal.js';
import type { Dataset } from '../datasets/dataset.js';
import { loadGenerator, type RecordGenerator } from '../datasets/generator.js';
import type { BatchResult } from '../messages.js';
import type { RunPlan } from '../plan.js';
import { drawJournal, drawStage } from './drawStage.js';
import { type DatasetRecord, modelRecords } from './modelRecords.js';
import { checkStock, type StockCheck } from './stockLedger.js';
import { StockOracle } from './stockOracle.js';
import { type StockPlan, stockPlan } from './stockPlan.js';

/** What the report says of an atomic run's transactions and of its books. */
export interface AtomicReport {
  /** The stocked and the drawing model. */
  readonly models: { readonly stocked: string; readonly drawing: string };
  readonly committed: number;
  readonly rolledBack: number;
  /** Transactions run again after a deadlock or a lock wait that ran out. */
  readonly retried: number;
  readonly stock: StockCheck;
}

/** Ends the probe of `atomicPlan`'s transaction, which writes nothing. */
class Probe extends Error {}

/**
 * The schema's stock plan, once its databases are known to take part in one transaction
 * together: every database of the two models is joined (no statement is run) and the
 * transaction rolled back, so a deployment that cannot (two databases without two-phase commit)
 * is refused before anything is written, with the reason `atomic` gives.
 */
export async function atomicPlan(db: Distdb): Promise<StockPlan> {
  const plan = stockPlan(db.models);
  const aliases = new Set([...db.aliasesOf(plan.stocked), ...db.aliasesOf(plan.drawing)]);
  await db
    .atomic(async (tx) => {
      for (const alias of aliases) await tx.ownRows(alias);
      throw new Probe();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Probe)) throw err;
    });
  return plan;
}

/** The stage of a run started with `--atomic` (its plan says so, resumed too). */
export function atomicStageOf(db: Distdb, plan: RunPlan): AtomicStage | undefined {
  return plan.atomic ? new AtomicStage(db, stockPlan(db.models)) : undefined;
}

export interface AtomicStageInput {
  readonly dataset: Dataset;
  readonly runPlan: RunPlan;
  readonly run: JournalRun;
  readonly threads: number;
  readonly retries: number;
  readonly signal?: AbortSignal;
  /** Results of this attempt, and (`timed` false) those an earlier attempt committed. */
  readonly onResult: (result: BatchResult, timed: boolean) => void;
}

/**
 * The drawing model's part of an atomic run, after the workers wrote every other model: its
 * records one transaction each (see drawStage), then the books checked. `seen` is given every
 * other result of the run, so the stocked model's failed records are known.
 */
export class AtomicStage {
  readonly #failed = new Set<number>();

  constructor(
    private readonly db: Distdb,
    readonly plan: StockPlan,
  ) {}

  seen(result: { readonly model: string; readonly failures: readonly { index: number }[] }): void {
    if (result.model !== this.plan.stocked.name) return;
    for (const f of result.failures) this.#failed.add(f.index);
  }

  async run(x: AtomicStageInput): Promise<AtomicReport> {
    const { db, plan } = this;
    const before = { ...db.atomicStats };
    const committed = await this.#committedEarlier(x.run);
    const generator = await this.#generator(x.dataset);
    const oracle = generator
      ? new StockOracle(plan, modelRecords(plan.stocked, x.dataset, x.runPlan, generator))
      : undefined;
    await drawStage({
      db,
      plan,
      records: modelRecords(plan.drawing, x.dataset, x.runPlan, generator),
      run: x.run,
      callers: x.threads,
      retries: x.retries,
      committed,
      ...(oracle ? { expect: (r: DatasetRecord) => oracle.expect(r) } : {}),
      ...(x.signal ? { signal: x.signal } : {}),
      onResult: x.onResult,
    });
    const stocked = modelRecords(plan.stocked, x.dataset, x.runPlan, generator);
    const stock = await checkStock(db, plan, stocked, this.#failed);
    const after = db.atomicStats;
    return {
      models: { stocked: plan.stocked.label, drawing: plan.drawing.label },
      committed: after.committed - before.committed,
      rolledBack: after.rolledBack - before.rolledBack,
      retried: after.retried - before.retried,
      stock,
    };
  }

  /** The records an earlier attempt committed (their journal entries), and where. */
  async #committedEarlier(run: JournalRun): Promise<Map<number, string>> {
    const { db, plan } = this;
    const done = new Map<number, string>();
    for (const alias of db.aliasesOf(plan.drawing)) {
      const entries = await db.inDatabase(alias, (conn) => readRunJournal(conn, run, drawJournal(plan).name));
      for (const e of entries) done.set(e.firstIndex, alias);
    }
    return done;
  }

  async #generator(dataset: Dataset): Promise<RecordGenerator | undefined> {
    if (dataset.kind !== 'generated') return undefined;
    return (await loadGenerator(this.db.config.generator)).createGenerator(dataset.spec, this.db.models);
  }
}
