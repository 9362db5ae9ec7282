import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Connection } from '../db/dialect.js';
import { openConnection } from '../db/open.js';
import { parseDatabaseUrl, redactUrl } from '../db/url.js';
import { DistdbError, databaseError, errorMessage, namedAfter } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { registerSecrets, scrub } from '../secrets.js';
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
import { tally } from './tally.js';
import { threadStart } from './threadStart.js';

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
const connections = new Map<string, Promise<Connection>>();
/** Model label → snapshot of its ids, for the current phase (see IdSnapshot). */
const references = new Map<string, ExistenceCheck>();

function send(msg: FromWorker): void {
  port?.postMessage(msg);
}

/** Each worker opens its own connections, one per database it touches. */
function connection(alias: string | undefined): Promise<Connection> {
  if (alias === undefined) throw new Error('no database routed');
  let conn = connections.get(alias);
  if (!conn) {
    const raw = init.databases[alias];
    if (raw === undefined) throw new Error(`unknown database ${alias}`);
    const url = parseDatabaseUrl(raw, `database "${alias}"`);
    registerSecrets(url.secrets);
    conn = openConnection(url, { poolSize: 1, cacheKb: init.cacheKb, sharedWriter: init.sharedWriter }).catch(
      (err: unknown) => {
        throw namedAfter(alias, err);
      },
    );
    connections.set(alias, conn);
  }
  return conn;
}

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
}

/** Bounded retries of transient failures (deadlock, serialization, busy, connection reset). */
async function retrying<T>(conn: Connection, retries: { count: number }, step: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (retries.count >= init.maxRetries || !conn.dialect.isTransient(err)) throw err;
      retries.count++;
      await new Promise((r) => setTimeout(r, 10 * 2 ** Math.min(retries.count, 7)));
    }
  }
}

async function prepare(task: BatchTask): Promise<Prepared> {
  if (turns.aborted) throw new Aborted();
  const start = performance.now();
  const model = modelByName.get(task.model);
  if (!model) throw new Error(`unknown model ${task.model}`);
  const writeAlias = init.writeAlias[model.name] as string;
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
    prepareRecords(
      model,
      records,
      async (label) => {
        const target = modelByLabel.get(label);
        if (!target) throw new Error(`unknown model ${label}`);
        return { model: target, check: references.get(label) ?? (await connection(init.readAlias[label])) };
      },
      task.rejected,
    ),
  ).catch((err: unknown) => {
    throw inDatabases(Object.values(init.readAlias), err);
  });
  const overlapping = conn.dialect.capabilities.overlappingWrites;
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
  };
}

async function commit(p: Prepared, ahead: WriteAhead | undefined): Promise<BatchResult> {
  const { task, model, conn, records, generated, retries } = p;
  const commitStart = performance.now();
  const journal = { run: task.run, seq: task.seq, firstIndex: task.firstIndex, thread: init.thread };
  let outcomes: RecordOutcome[];
  try {
    // A retried commit first asks the journal: if the earlier attempt did commit (only its
    // acknowledgement was lost), its recorded outcome stands and nothing is written twice.
    outcomes = await retrying(conn, retries, async () => {
      const committed =
        retries.count > 0 ? await readJournal(conn, task.run, model.name, task.seq) : undefined;
      if (committed) return outcomesFromJournal(committed, records.length);
      return commitRecords(p.batch, conn, journal, ahead);
    });
    // Written ahead, the batch commits only at its turn (a retry may have found it journaled).
    if (ahead) await turns.turn(model.name, task.seq);
  } catch (err) {
    if (err instanceof Aborted) throw err;
    // Later batches of this model must not write past a batch that failed.
    turns.abort();
    throw inDatabases([p.writeAlias], err);
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
  };
}

/** A driver error as a one-line message naming the database(s) involved, URL redacted. */
function inDatabases(aliases: readonly string[], err: unknown): unknown {
  if (err instanceof DistdbError) return err;
  const databases = [...new Set(aliases)].map((alias) => {
    const raw = init.databases[alias];
    return { alias, url: raw === undefined ? '?' : redactUrl(raw).redacted };
  });
  return databaseError(databases, err);
}

/**
 * Waits until the batch may start writing. Written ahead of its turn (see
 * CommitTurns.writeTurn), it says which rows wait for the previous batch to commit.
 */
async function writeTurn(p: Prepared): Promise<WriteAhead | undefined> {
  const { model, task } = p;
  const turn = () => turns.turn(model.name, task.seq);
  if (!p.conn.dialect.capabilities.overlappingWrites) {
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
  if (init.closeIdle && held === 0) await closeConnections();
}

async function closeConnections(): Promise<void> {
  const open = [...connections.values()];
  connections.clear();
  await Promise.all(open.map(async (c) => (await c.catch(() => undefined))?.close()));
}

async function stop(): Promise<void> {
  await closeConnections();
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
Promise.all(init.closeIdle ? [] : Object.values(init.writeAlias).map((alias) => connection(alias)))
  .then(() => send({ type: 'ready', thread: init.thread }))
  .catch((err) => {
    turns.abort();
    const kind = err instanceof DistdbError ? err.kind : 'runtime';
    send({ type: 'fatal', thread: init.thread, kind, message: scrub(errorMessage(err)), batchIds: [] });
  });
