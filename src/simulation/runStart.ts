import { publicConfig } from '../config/config.js';
import type { HeldLock } from '../db/dialect.js';
import type { Distdb } from '../distdb.js';
import { advisedError, DistdbError } from '../errors.js';
import { same } from '../migrations/tableCompare.js';
import type { AnyModel } from '../models/model.js';
import { globalFields } from '../queries/uniqueIndex.js';
import type { RunStore } from '../runs/runStore.js';
import { SHARD_KEYS_TABLE } from '../schema/distdbTables.js';
import {
  type JournaledBatch,
  type JournalRun,
  mergeShardJournals,
  outcomesFromJournal,
  readRunJournal,
} from '../store/journal.js';
import { canonicalDataset } from './datasets/canonical.js';
import { type Dataset, datasetSize, normalizedDataset } from './datasets/dataset.js';
import { generatedName, loadGenerator, normalizeSpec } from './datasets/generator.js';
import { loadDatasetFile } from './datasets/loadDatasetFile.js';
import type { BatchResult } from './messages.js';
import type { SimulateOptions } from './options.js';
import { type DatasetOrigin, planRun, type RunPlan } from './plan.js';
import { tally } from './tally.js';

/** A run about to be dispatched: new, or an interrupted one taken over to be finished. */
export interface RunStart {
  readonly run: JournalRun;
  /** Held while the run is run: it is what tells other processes that the run is alive. */
  readonly lock: HeldLock;
  readonly dataset: Dataset;
  readonly plan: RunPlan;
  readonly threads: number;
  /** Model → batches already committed (resume). */
  readonly done: Record<string, number>;
  /** The committed batches' journal entries (resume). */
  readonly journaled: JournaledBatch[];
}

/** Empties model tables; a server database needs explicit confirmation. */
export async function resetModels(
  db: Distdb,
  aliases: readonly string[],
  confirm: boolean,
): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  // A sharded model's table is emptied on each of its shards named.
  const targets = [...db.models]
    .reverse()
    .flatMap((m) => db.aliasesOf(m).flatMap((alias) => (aliases.includes(alias) ? [{ m, alias }] : [])));
  for (const { m, alias } of targets) {
    const conn = await db.connection(alias);
    if (!conn.dialect.capabilities.embedded && !confirm) {
      throw advisedError(
        'usage',
        `refusing to empty ${m.table.name} in database "${alias}" (${conn.url.redacted}): it is not an embedded database`,
        'confirm_reset',
        'confirm with confirmReset: true',
      );
    }
  }
  for (const { m, alias } of targets) {
    await db.inDatabase(alias, async (conn) => {
      if (await conn.tableExists(m.table.name))
        removed[m.table.name] = (removed[m.table.name] ?? 0) + (await conn.truncate(m.table.name));
    });
    await forgetShard(db, m, alias);
  }
  return removed;
}

/** An emptied shard's records give back their unique values in the model's index. */
async function forgetShard(db: Distdb, m: AnyModel, alias: string): Promise<void> {
  const shards = db.shards(m);
  if (!shards || globalFields(m, shards).length === 0) return;
  await db.inDatabase(shards.index, async (conn) => {
    if (!(await conn.tableExists(SHARD_KEYS_TABLE.name))) return;
    const q = (await conn.kysely())
      .deleteFrom(SHARD_KEYS_TABLE.name)
      .where('model', '=', m.label)
      .where('shard', '=', alias)
      .compile();
    await conn.runCompiled(q.sql, q.parameters);
  });
}

async function prepareTables(db: Distdb, options: SimulateOptions): Promise<void> {
  await db.checkSchema();
  const results = await db.migrate();
  for (const r of results) {
    if (r.status === 'failed') {
      throw new DistdbError('migration', `migration ${r.failed} failed on database "${r.alias}": ${r.error}`);
    }
  }
  const mode = options.existing ?? 'refuse';
  if (mode === 'reset') {
    await resetModels(db, db.aliases, options.confirmReset ?? false);
    return;
  }
  if (mode === 'append') return;
  for (const m of db.models) {
    // Whatever any process wrote counts: the primaries answer, not a replica behind them.
    const n = await db.primary(() => db.count(m));
    if (n > 0) {
      throw advisedError(
        'conflict',
        `table ${m.table.name} in ${whereIs(db, m)} already holds ${n} ${n === 1 ? 'row' : 'rows'}`,
        'rows_exist',
        "existing: 'append' keeps them, existing: 'reset' empties them first",
      );
    }
  }
}

function whereIs(db: Distdb, m: AnyModel): string {
  const aliases = db.aliasesOf(m);
  return aliases.length === 1 ? `database "${aliases[0]}"` : `its shards (${aliases.join(', ')})`;
}

/** Prepares the tables and records a new run. */
export async function startNewRun(
  db: Distdb,
  store: RunStore,
  options: SimulateOptions,
  start: { threads: number; startedAt: number },
): Promise<RunStart> {
  const { threads } = start;
  const dataset: Dataset = normalizedDataset(options.dataset ?? canonicalDataset(db.config));
  await prepareTables(db, options);
  const plan = {
    ...planRun(dataset, db.models, threads, options.batchSize),
    ...(options.atomic ? { atomic: true } : {}),
  };
  const { run, lock } = await store.create({
    startedAt: new Date(start.startedAt).toISOString(),
    dataset: dataset.name,
    threads,
    config: publicConfig(db.config, db.sharding),
    plan,
  });
  return { run, lock, dataset, plan, threads, done: {}, journaled: [] };
}

/**
 * Takes an interrupted run over: its dataset and plan, and the batches its journals hold. The
 * run's lock is given back if the run cannot be started after all.
 */
export async function resumeRun(
  db: Distdb,
  store: RunStore,
  options: SimulateOptions & { resume: number },
): Promise<RunStart> {
  await prepareTables(db, { ...options, existing: 'append' });
  const claimed = await store.claimForResume(options.resume);
  const { run, lock, plan } = claimed;
  try {
    if (options.atomic && !plan.atomic)
      throw new DistdbError('usage', `run ${run.id} was not started with --atomic: resume it without`);
    checkSameSharding(db, run.id, claimed.config);
    const dataset = options.dataset
      ? normalizedDataset(options.dataset)
      : datasetFromOrigin(db, plan.origin, run.id);
    const { done, journaled } = await readJournals(db, run);
    return { run, lock, dataset, plan, threads: options.threads ?? claimed.threads, done, journaled };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/**
 * A run's batches are cut by the sharding it started with: resumed under another, records would
 * be looked for, and written, where the first attempt did not put them.
 */
function checkSameSharding(db: Distdb, runId: number, stored: unknown): void {
  const then = (stored as { sharding?: Record<string, unknown> } | null)?.sharding ?? {};
  const now: Record<string, unknown> = db.sharding;
  const models = [...new Set([...Object.keys(then), ...Object.keys(now)])];
  const changed = models.filter((m) => !same(then[m], now[m]));
  if (changed.length > 0) {
    throw new DistdbError(
      'usage',
      `cannot resume run ${runId}: the sharding of ${changed.join(', ')} differs from the one it started with`,
    );
  }
}

async function readJournals(
  db: Distdb,
  run: JournalRun,
): Promise<{ done: Record<string, number>; journaled: JournaledBatch[] }> {
  const done: Record<string, number> = {};
  const journaled: JournaledBatch[] = [];
  for (const m of db.models) {
    const aliases = db.aliasesOf(m);
    const perShard = await Promise.all(
      aliases.map((alias) => db.inDatabase(alias, (conn) => readRunJournal(conn, run, m.name))),
    );
    // A sharded model's batch is done once each shard journaled its part.
    const batches = aliases.length === 1 ? (perShard[0] ?? []) : mergeShardJournals(aliases, perShard);
    // Batches of a model commit in order, so the journal holds a prefix of them.
    if (batches.some((b, i) => b.seq !== i)) {
      throw new DistdbError(
        'runtime',
        `run ${run.id}: journal of ${m.table.name} is not a prefix of its batches`,
      );
    }
    done[m.name] = batches.length;
    journaled.push(...batches);
  }
  return { done, journaled };
}

/** A journaled batch as a result; for generated datasets its intended outcomes are recomputed. */
export async function journaledResult(
  db: Distdb,
  batch: JournaledBatch,
  dataset: Dataset,
): Promise<BatchResult> {
  let intended: string[] | undefined;
  if (dataset.kind === 'generated') {
    const generator = (await loadGenerator(db.config.generator)).createGenerator(dataset.spec, db.models);
    intended = generator
      .range(db.model(batch.model), batch.firstIndex, batch.attempted)
      .map((g) => g.expected);
  }
  return {
    type: 'done',
    batchId: 0,
    thread: batch.thread,
    model: batch.model,
    attempted: batch.attempted,
    ...tally(batch.firstIndex, outcomesFromJournal(batch, batch.attempted), intended),
    latencyMs: 0,
    busyMs: 0,
    committedAt: 0,
    retries: 0,
    ...(batch.parts ? { shards: batch.parts } : {}),
  };
}

export function datasetSizes(dataset: Dataset, models: readonly AnyModel[]): Record<string, number> {
  return Object.fromEntries(models.map((m) => [m.name, datasetSize(dataset, m.datasetKey)]));
}

/** Dataset order is the models' order (users, then products, then orders): where each model's first record sits. */
export function datasetOffsets(dataset: Dataset, models: readonly AnyModel[]): Record<string, number> {
  const out: Record<string, number> = {};
  let offset = 0;
  for (const m of models) {
    out[m.name] = offset;
    offset += datasetSize(dataset, m.datasetKey);
  }
  return out;
}

function datasetFromOrigin(db: Distdb, origin: DatasetOrigin, runId: number): Dataset {
  switch (origin.kind) {
    case 'canonical':
      return canonicalDataset(db.config);
    case 'generated': {
      const spec = normalizeSpec(origin.spec);
      return { kind: 'generated', name: generatedName(spec), spec };
    }
    case 'file': {
      const dataset = loadDatasetFile(origin.path, db.models);
      if (dataset.origin?.kind === 'file' && dataset.origin.sha256 !== origin.sha256) {
        throw new DistdbError(
          'usage',
          `cannot resume run ${runId}: dataset ${origin.path} has changed since the run started`,
        );
      }
      return dataset;
    }
    case 'inline':
      throw new DistdbError(
        'usage',
        `cannot resume run ${runId}: its dataset was given in code; pass it again`,
      );
  }
}
