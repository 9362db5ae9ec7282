import type { Distdb } from '../distdb.js';
import { DistdbError } from '../errors.js';
import { dropEpoch, setEpoch } from '../queries/fence.js';
import { LAYOUT_TTL_MS } from '../queries/layoutCache.js';
import { ensureOwnTable } from '../queries/ownTables.js';
import { RESHARD_CHANGES_TABLE } from '../schema/distdbTables.js';
import { pausePoint } from '../util/pausePoint.js';
import { catchUpShard, copyShard, recopyRange, targetOf } from './copy.js';
import type { JobStore } from './job.js';
import type { ReshardPlan } from './plan.js';
import { deleteIds, dropChanges, eachChunk } from './rows.js';
import {
  bucketOf,
  differing,
  dropBuckets,
  type Tallies,
  tallyMoves,
  VERIFY_BUCKET,
  verdict,
} from './verify.js';

/** Changes left in a shard's queue below which catching up stops and the switch begins. */
const SWITCH_BELOW = 500;

/**
 * Runs `work` on every database of `aliases`: at once on servers; one after the other where a
 * database is embedded, whose lock waits block the whole process, so that no step holds one
 * database's lock while another step of this process waits for a lock a writer holds.
 */
async function eachOf<T>(
  db: Distdb,
  aliases: readonly string[],
  work: (alias: string) => Promise<T>,
): Promise<T[]> {
  const conns = await Promise.all(aliases.map((a) => db.connection(a)));
  if (conns.some((c) => c.dialect.capabilities.embedded)) {
    const out: T[] = [];
    for (const alias of aliases) out.push(await work(alias));
    return out;
  }
  // Every database's work ends before a failure is reported: none goes on after the lock is let go.
  const settled = await Promise.allSettled(aliases.map((a) => work(a)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Work done while writes to the old shards are held: if it fails, they are let go again. */
async function fenced<T>(db: Distdb, plan: ReshardPlan, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    await setEpochs(db, plan, plan.from, plan.version).catch(() => {});
    throw err;
  }
}

/**
 * Tallies `buckets` again; copies that still differ (or rows misplaced) are copied again, bucket
 * by bucket, and checked once more. The verification counts both kinds of bucket.
 */
async function recheck(db: Distdb, plan: ReshardPlan, tallies: Tallies, buckets: Set<number>) {
  dropBuckets(tallies, buckets);
  const misplaced = await tallyMoves(db, plan, tallies, [...buckets]);
  const bad = new Set([...differing(tallies), ...misplaced.keys()]);
  for (const b of bad) await recopyRange(db, plan, b * VERIFY_BUCKET, (b + 1) * VERIFY_BUCKET);
  dropBuckets(tallies, bad);
  const left = await tallyMoves(db, plan, tallies, [...bad]);
  const stray = [...left.values()].reduce((a, b) => a + b, 0);
  return verdict(plan, tallies, stray, buckets.size, bad.size);
}

/**
 * Sets the epoch of `model` in each database of `aliases`, one after the other: a transaction
 * that waits for a database's writers must not hold another database's lock meanwhile (an
 * embedded database's wait blocks its whole process, so two such waits could wait on each other).
 */
async function setEpochs(
  db: Distdb,
  plan: ReshardPlan,
  aliases: readonly string[],
  version: number,
): Promise<void> {
  for (const alias of aliases) await setEpoch(await db.connection(alias), plan.model, version);
}

/**
 * The new databases migrated and given the new layout's epoch; the old shards given the old
 * one, a change queue and the triggers that fill it. Making a trigger waits for the writes in
 * flight on the table, so every write after it is in the queue and reads the epoch.
 */
async function prepare(db: Distdb, plan: ReshardPlan, store: JobStore): Promise<void> {
  if (store.job.prepared) return;
  // The stored layout names the new databases, so that migrate makes the model's table there.
  await db.refreshLayouts();
  for (const alias of plan.added) {
    for (const r of await db.migrate({ database: alias }))
      if (r.status !== 'ok')
        throw new DistdbError('migration', `database "${alias}": migration ${r.failed} failed: ${r.error}`);
    await setEpoch(await db.connection(alias), plan.model, plan.version + 1);
  }
  await setEpochs(db, plan, plan.from, plan.version);
  await eachOf(db, plan.from, async (alias) => {
    const conn = await db.connection(alias);
    await ensureOwnTable(conn, RESHARD_CHANGES_TABLE);
    for (const sql of conn.dialect.captureSql(plan.model.table).install) await conn.execute(sql);
  });
  await store.update(() => ({ prepared: true }));
}

/** Copies every old shard's moving rows, then catches up with what was written meanwhile. */
export async function copyStep(db: Distdb, plan: ReshardPlan, store: JobStore): Promise<void> {
  await prepare(db, plan, store);
  await eachOf(db, plan.from, async (from) => {
    if (store.job.done.includes(from)) return;
    const after = store.job.copied[from] ?? Number.MIN_SAFE_INTEGER;
    const copied = await copyShard(db, plan, from, after, (last) =>
      store.update((job) => ({ copied: { ...job.copied, [from]: last } })),
    );
    await store.update((job) => ({ done: [...job.done, from], rowsCopied: job.rowsCopied + copied }));
  });
  await catchUp(db, plan, store, SWITCH_BELOW);
  await store.update(() => ({ step: 'switch' }));
}

async function catchUp(
  db: Distdb,
  plan: ReshardPlan,
  store: JobStore,
  until: number,
  note?: (ids: readonly number[]) => void,
): Promise<void> {
  await eachOf(db, plan.from, async (from) => {
    const applied = await catchUpShard(db, plan, from, until, note);
    await store.update((job) => ({ changesApplied: job.changesApplied + applied }));
  });
}

/**
 * Verifies every copy while writes go on (tallies per id bucket), then holds writes to the old
 * shards (their epoch moves to the new version, which waits for the writes in flight), applies
 * the last changes, checks again only the buckets a change touched since (or that differed),
 * and publishes the new layout in `default`; writes held meanwhile then go by it. If the
 * copies differ, the old shards are let go again and the reshard stays in its copy step.
 */
export async function switchStep(db: Distdb, plan: ReshardPlan, store: JobStore): Promise<void> {
  // A switch an interruption cut short lets the old shards go first: writes must not wait
  // for the verify that reads every row.
  await setEpochs(db, plan, plan.from, plan.version);
  const tallies: Tallies = new Map();
  const touched = new Set<number>();
  const note = (ids: readonly number[]) => {
    for (const id of ids) touched.add(bucketOf(id));
  };
  const misplacedBefore = await tallyMoves(db, plan, tallies);
  await catchUp(db, plan, store, SWITCH_BELOW, note);
  const started = Date.now();
  await setEpochs(db, plan, plan.from, plan.version + 1);
  const verification = await fenced(db, plan, async () => {
    await pausePoint('reshard-fenced');
    await catchUp(db, plan, store, 1, note);
    const again = new Set([...touched, ...differing(tallies), ...misplacedBefore.keys()]);
    return recheck(db, plan, tallies, again);
  });
  if (!verification.ok) {
    await setEpochs(db, plan, plan.from, plan.version);
    await store.update(() => ({ step: 'copy', verification }));
    const bad = verification.moves.find((m) => !m.same);
    throw new DistdbError(
      'runtime',
      `reshard of ${plan.model.label}: the copies differ from their rows${bad ? ` (${bad.from} → ${bad.to}: ${bad.rows} rows, ${bad.copies} copies)` : ''}; writes go on by the old layout, and resuming copies again`,
    );
  }
  const job = { ...store.job, step: 'cleanup' as const, switchedAt: new Date().toISOString() };
  await store.replace({
    version: plan.version + 1,
    databases: plan.to,
    state: 'cleaning',
    job: { ...job, verification, fenceMs: Date.now() - started },
  });
  await pausePoint('reshard-switched');
}

/**
 * Once every process reads by the new layout (two layout lifetimes after the switch), removes
 * the triggers and the moved rows from the old shards; the layout is then stable. Returns how
 * many rows it removed.
 */
export async function cleanupStep(db: Distdb, plan: ReshardPlan, store: JobStore): Promise<number> {
  const since = Date.now() - Date.parse(store.job.switchedAt ?? '');
  const wait = 2 * LAYOUT_TTL_MS - (Number.isFinite(since) ? since : 0);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const removed = await eachOf(db, plan.from, async (from) => {
    const conn = await db.connection(from);
    for (const sql of conn.dialect.captureSql(plan.model.table).remove) await conn.execute(sql);
    const gone = await removeMoved(db, plan, from);
    await dropChanges(conn, plan.model);
    return gone;
  });
  await store.replace({ version: plan.version + 1, databases: plan.to, state: 'stable', job: undefined });
  return removed.reduce((a, b) => a + b, 0);
}

/** Deletes from old shard `from` the rows the new layout places elsewhere. */
async function removeMoved(db: Distdb, plan: ReshardPlan, from: string): Promise<number> {
  const access = { alias: from, conn: await db.connection(from) };
  const key = plan.model.table.primaryKey;
  let removed = 0;
  await eachChunk(access, plan.model, async (records) => {
    const gone = records.map((r) => Number(r[key])).filter((id) => targetOf(plan, id) !== from);
    await deleteIds(access, plan.model, gone);
    removed += gone.length;
    await pausePoint(`reshard-removed:${from}`);
  });
  return removed;
}

/**
 * Gives up a reshard before its switch: the old shards' writes are let go (had the switch
 * begun), their triggers and queues removed, and the copies deleted from the new databases.
 */
export async function abortStep(db: Distdb, plan: ReshardPlan, store: JobStore): Promise<void> {
  // Marked first: a reshard half given up (its triggers gone) must not be resumed.
  await store.update(() => ({ step: 'aborting' }));
  await setEpochs(db, plan, plan.from, plan.version);
  await eachOf(db, plan.from, async (from) => {
    const conn = await db.connection(from);
    for (const sql of conn.dialect.captureSql(plan.model.table).remove) await conn.execute(sql);
    await dropChanges(conn, plan.model);
  });
  await eachOf(db, plan.added, async (to) => {
    const conn = await db.connection(to);
    if (await conn.tableExists(plan.model.table.name))
      await conn.execute(`DELETE FROM ${conn.dialect.quoteId(plan.model.table.name)}`);
    await dropEpoch(conn, plan.model);
  });
  await store.replace({ version: plan.version, databases: plan.from, state: 'stable', job: undefined });
}
