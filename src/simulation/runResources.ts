import type { Distdb } from '../distdb.js';
import { DistdbError } from '../errors.js';
import { type AnyModel, referenceFields } from '../models/model.js';
import { type Dataset, datasetSize } from './datasets/dataset.js';
import { type IdSnapshot, takeIdSnapshot } from './idSnapshot.js';

/** What a run needs of its databases besides writing batches: limits, caches, snapshots. */

export async function allEmbedded(db: Distdb, aliases: readonly string[]): Promise<boolean> {
  for (const alias of new Set(aliases)) {
    if (!(await db.connection(alias)).dialect.capabilities.embedded) return false;
  }
  return true;
}

/** Below this many references to a model, asking the database per batch is cheap enough. */
const SNAPSHOT_MIN_REFERENCES = 20_000;

/**
 * Snapshots of the models a phase references, when that is cheaper than per-batch lookups: the
 * referenced records are all decided when the phase starts, so one read of their ids answers
 * every reference the phase checks. A snapshot costs about a tenth of a lookup per id, so it is
 * taken only when the phase has at least an eighth as many references as the highest id.
 */
export async function referenceSnapshots(
  db: Distdb,
  models: readonly AnyModel[],
  dataset: Dataset,
): Promise<Record<string, IdSnapshot>> {
  const references = new Map<string, number>();
  for (const m of models) {
    for (const f of referenceFields(m)) {
      references.set(f.type.model, (references.get(f.type.model) ?? 0) + datasetSize(dataset, m.datasetKey));
    }
  }
  const out: Record<string, IdSnapshot> = {};
  for (const [label, count] of references) {
    const target = db.model(label);
    // References into a sharded model are looked up in their shards (see shardedExistence).
    if (count < SNAPSHOT_MIN_REFERENCES || db.shards(target)) continue;
    const snapshot = await db.inDatabase(db.readAlias(target), (conn) =>
      takeIdSnapshot(conn, target.table, count * 8),
    );
    if (snapshot) out[label] = snapshot;
  }
  return out;
}

/**
 * Page cache of each worker connection to an embedded database. With several threads, a
 * database's batches are written by one connection after another, each commit making the other
 * connections' caches stale: a connection then holds its cache only while it writes, so the
 * memory used is about one cache per database being written, whatever --threads is.
 */
const WORKER_CACHE_KB = 16 * 1024;
export function workerCache(threads: number): { cacheKb: number; sharedWriter: boolean } {
  return { cacheKb: WORKER_CACHE_KB, sharedWriter: threads > 1 };
}

/**
 * Share of a server's free connections a run may take; the rest is left to everyone else, but
 * one worker always runs when its connections fit at all.
 */
const CONNECTION_SHARE = 0.8;

/**
 * How many workers may hold connections at once so that no server runs out: each worker holds
 * one connection per database it touches, and databases may share a server.
 */
export async function connectionBudget(
  db: Distdb,
  threads: number,
): Promise<{ maxConnectedWorkers: number; notices: string[] }> {
  const aliases = new Set(db.models.flatMap((m) => [...db.aliasesOf(m), ...db.aliasesOf(m, 'read')]));
  const servers = new Map<string, { available: number; aliases: number }>();
  for (const alias of aliases) {
    const headroom = await db.inDatabase(alias, (conn) => conn.connectionHeadroom());
    if (!headroom) continue;
    const entry = servers.get(headroom.server) ?? { available: headroom.available, aliases: 0 };
    // Databases of one server may be reached as different users, each with its own limit.
    entry.available = Math.min(entry.available, headroom.available);
    entry.aliases++;
    servers.set(headroom.server, entry);
  }
  let maxConnectedWorkers = threads;
  const notices: string[] = [];
  for (const [server, { available, aliases: n }] of servers) {
    const allowed = available >= n ? Math.max(1, Math.floor((available * CONNECTION_SHARE) / n)) : 0;
    if (allowed < 1) {
      throw new DistdbError(
        'connection',
        `server ${server} has no free connections (${available} available, ${n} needed per worker)`,
      );
    }
    if (allowed < maxConnectedWorkers) {
      maxConnectedWorkers = allowed;
      notices.push(
        `server ${server} accepts ${available} more connections: at most ${allowed} of ${threads} threads hold its ${n} connections at once`,
      );
    }
  }
  return { maxConnectedWorkers, notices };
}
