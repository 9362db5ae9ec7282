import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Connection } from '../db/dialect.js';
import { DistdbError, errorMessage } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { ruleDatabases, type ShardingRule } from '../routing/sharding.js';
import { scrub } from '../secrets.js';
import { outcomesFromJournal, readJournal } from '../store/journal.js';
import { type BatchKeys, batchKeys, deferredRows } from '../store/keyDigest.js';
import type { RecordOutcome } from '../store/outcome.js';
import {
  commitRecords,
  type ExistenceCheck,
  type PreparedBatch,
  prepareRecords,
  rowsToInsert,
  type WriteAhead,
} from '../store/writeRecords.js';
import { pausePoint } from '../util/pausePoint.js';
import { SLICE, yieldToEventLoop } from '../util/yieldSlices.js';
import { Aborted, CommitTurns } from './commitTurns.js';
import { type GeneratedRecord, loadGenerator } from './datasets/generator.js';
import { snapshotCheck } from './idSnapshot.js';
import { Lane } from './lane.js';
import type { BatchResult, BatchTask, FromWorker, ToWorker, WorkerInit } from './messages.js';
import { commitSharded, type Part, type PartCount, partsOf, shardedExistence } from './shardParts.js';
import { tally } from './tally.js';
import { threadStart } from './threadStart.js';
import { WorkerDatabases } from './workerDatabases.js';

const port = parentPort;
if (!port) throw new Error('distdb worker must run in a worker thread');
const start = await threadStart(port, workerData as WorkerInit | null);
const init = start.init;
const turns = new CommitTurns(
  init.sync,
  init.models.map((m) => m.name),
);
const modelByName = new Map(init.models.map((m) => [m.name, m]));
const modelByLabel = new Map(init.models.map((m) => [m.label, m]));
/** Model label → snapshot of its ids, for the current phase (see IdSnapshot). */
const references = new Map<string, ExistenceCheck>();

function send(msg: FromWorker): void {
  port?.postMessage(msg);
}

const databases = new WorkerDatabases(init);
const connection = (alias: string | undefined) => databases.connection(alias);
const retrying = <T>(conn: Connection, retries: { count: number }, step: () => Promise<T>) =>
  databases.retrying(conn, retries, step);
const inDatabases = (aliases: readonly string[], err: unknown) => databases.inDatabases(aliases, err);

/** A batch validated and checked, waiting for its write turn. */
interface Prepared {
  readonly task: BatchTask;
  readonly model: AnyModel;
  readonly writeAlias: string;
  readonly conn: Connection;
  readonly generated: GeneratedRecord[] | undefined;
  readonly records: readonly unknown[];
  readonly batch: PreparedBatch;
  /**
   * Where the backend lets a batch write while the previous one commits (overlappingWrites):
   * the keys of the rows it inserts, and how many rows that is.
   */
  readonly keys: BatchKeys | undefined;
  readonly insertCount: number;
  /** When the worker picked the batch up, and how long it has worked on it. */
  readonly start: number;
  readonly busyMs: number;
  readonly retries: { count: number };
  /** A sharded model's batch, cut by shard. */
  readonly parts?: readonly Part[];
}

/** Where references into model `label` are looked up: its snapshot, its shards, or its database. */
async function readReference(label: string): Promise<{ model: AnyModel; check: ExistenceCheck }> {
  const target = modelByLabel.get(label);
  if (!target) throw new Error(`unknown model ${label}`);
  const sharded = init.sharding?.[label];
  const check =
    references.get(label) ??
    (sharded ? shardedExistence(sharded, connection) : await connection(init.readAlias[label]));
  return { model: target, check };
}

async function prepare(task: BatchTask): Promise<Prepared> {
  if (turns.aborted) throw new Aborted();
  const start = performance.now();
  const model = modelByName.get(task.model);
  if (!model) throw new Error(`unknown model ${task.model}`);
  const rule = init.sharding?.[model.label];
  // A sharded model's first shard stands for its backend (retries, write-ahead) here.
  const writeAlias = rule ? (ruleDatabases(rule)[0] as string) : (init.writeAlias[model.name] as string);
  const conn = await connection(writeAlias);
  let generated: GeneratedRecord[] | undefined;
  let records = task.records ?? [];
  if (task.generate) {
    const { spec, count } = task.generate;
    const gen = (await loadGenerator(init.generator)).createGenerator(spec, init.models);
    generated = [];
    for (let k = 0; k < count; k += SLICE) {
      if (k > 0) await yieldToEventLoop();
      for (const g of gen.range(model, task.firstIndex + k, Math.min(SLICE, count - k))) generated.push(g);
    }
    records = generated.map((g) => g.record);
  }
  const retries = { count: 0 };
  const batch = await retrying(conn, retries, () =>
    prepareRecords(model, records, readReference, task.rejected),
  ).catch((err: unknown) => {
    throw inDatabases(Object.values(init.readAlias), err);
  });
  const overlapping = !rule && conn.dialect.capabilities.overlappingWrites;
  const rows = overlapping ? rowsToInsert(batch) : [];
  const keys = overlapping ? batchKeys(model.table, rows) : undefined;
  const busyMs = performance.now() - start;
  const insertCount = rows.length;
  return {
    task,
    model,
    writeAlias,
    conn,
    generated,
    records,
    batch,
    keys,
    insertCount,
    start,
    busyMs,
    retries,
    ...(rule ? { parts: partsOf(batch, records, rule) } : {}),
  };
}

async function commit(p: Prepared, ahead: WriteAhead | undefined): Promise<BatchResult> {
  const { task, model, conn, records, generated, retries } = p;
  const commitStart = performance.now();
  const journal = { run: task.run, seq: task.seq, firstIndex: task.firstIndex, thread: init.thread };
  let outcomes: RecordOutcome[];
  let shards: PartCount[] | undefined;
  try {
    if (p.parts) {
      const writer = {
        connection,
        retrying: <T>(c: Connection, step: () => Promise<T>) => retrying(c, retries, step),
      };
      const rule = init.sharding?.[model.label] as ShardingRule;
      ({ outcomes, counts: shards } = await commitSharded(p.parts, rule, journal, records.length, writer));
    } else {
      // A retried commit first asks the journal: if the earlier attempt did commit (only its
      // acknowledgement was lost), its recorded outcome stands and nothing is written twice.
      outcomes = await retrying(conn, retries, async () => {
        const committed =
          retries.count > 0 ? await readJournal(conn, task.run, model.name, task.seq) : undefined;
        if (committed) return outcomesFromJournal(committed, records.length);
        return commitRecords(p.batch, conn, journal, ahead);
      });
    }
    // Written ahead, the batch commits only at its turn (a retry may have found it journaled).
    if (ahead) await turns.turn(model.name, task.seq);
  } catch (err) {
    if (err instanceof Aborted) throw err;
    // Later batches of this model must not write past a batch that failed.
    turns.abort();
    throw inDatabases(p.parts ? p.parts.map((x) => x.alias) : [p.writeAlias], err);
  }
  turns.done(model.name, task.seq);
  await pausePoint(`batch-committed:${model.name}:${task.seq}`);
  const end = performance.now();
  return {
    type: 'done',
    batchId: task.batchId,
    thread: init.thread,
    model: model.name,
    attempted: records.length,
    ...tally(
      task.firstIndex,
      outcomes,
      generated?.map((g) => g.expected),
    ),
    latencyMs: end - p.start,
    busyMs: p.busyMs + (end - commitStart),
    committedAt: Date.now(),
    retries: retries.count,
    ...(shards ? { shards } : {}),
  };
}

/**
 * Waits until the batch may start writing. Written ahead of its turn (see
 * CommitTurns.writeTurn), it says which rows wait for the previous batch to commit.
 */
async function writeTurn(p: Prepared): Promise<WriteAhead | undefined> {
  const { model, task } = p;
  const turn = () => turns.turn(model.name, task.seq);
  if (p.parts || !p.conn.dialect.capabilities.overlappingWrites) {
    await turn();
    return undefined;
  }
  const previous = await turns.writeTurn(model.name, task.seq, p.keys?.digest);
  if (previous === null) return undefined;
  const deferred = deferredRows(p.keys, p.insertCount, previous);
  if (deferred.every((d) => d === 1)) {
    await turn();
    return undefined;
  }
  return { deferred, turn };
}

/**
 * Two lanes: batches are prepared one after another as they arrive, and committed one after
 * another as their turns come (a worker's connections are not shared between transactions).
 * While one batch waits for its turn, the next is prepared.
 */
const preparing = new Lane();
const committing = new Lane();
/** Batches taken and not yet answered for: at none, connections may be closed. */
let held = 0;

async function handle(task: BatchTask): Promise<void> {
  held++;
  try {
    const p = await preparing.run(() => prepare(task));
    const ahead = await writeTurn(p);
    send(await committing.run(() => commit(p, ahead)));
  } catch (err) {
    const batchIds = [task.batchId];
    if (err instanceof Aborted) {
      send({ type: 'abandoned', thread: init.thread, batchIds });
    } else {
      turns.abort();
      const kind = err instanceof DistdbError ? err.kind : 'runtime';
      send({ type: 'fatal', thread: init.thread, kind, message: scrub(errorMessage(err)), batchIds });
    }
  } finally {
    held--;
  }
  if (init.closeIdle && held === 0) await databases.close();
}

async function stop(): Promise<void> {
  await databases.close();
  port?.close();
}

function onMessage(msg: ToWorker): void {
  if (msg.type === 'stop') {
    void stop();
    return;
  }
  if (msg.type === 'references') {
    references.clear();
    for (const [label, snapshot] of Object.entries(msg.snapshots))
      references.set(label, snapshotCheck(snapshot));
    return;
  }
  if (turns.aborted) {
    send({ type: 'abandoned', thread: init.thread, batchIds: [msg.batchId] });
    return;
  }
  void handle(msg);
}

start.listen(onMessage);

// Connect up front so an unreachable database is reported before any record is sent (unless
// connections are rationed, then they are opened per use).
const written = [
  ...Object.values(init.writeAlias),
  ...Object.values(init.sharding ?? {}).flatMap(ruleDatabases),
];
Promise.all(init.closeIdle ? [] : [...new Set(written)].map((alias) => connection(alias)))
  .then(() => send({ type: 'ready', thread: init.thread }))
  .catch((err) => {
    turns.abort();
    const kind = err instanceof DistdbError ? err.kind : 'runtime';
    send({ type: 'fatal', thread: init.thread, kind, message: scrub(errorMessage(err)), batchIds: [] });
  });
