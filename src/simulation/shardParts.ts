import type { Connection, SqlValue } from '../db/dialect.js';
import type { IndexAccess } from '../queries/context.js';
import { fencedAccess } from '../queries/fence.js';
import { type Batch, claimValues } from '../queries/insert.js';
import { openIndex } from '../queries/placedAccess.js';
import { globalFields } from '../queries/uniqueIndex.js';
import { FALLBACK_ALIAS } from '../routing/routerChain.js';
import { ruleDatabases, type ShardingRule, shardOf } from '../routing/sharding.js';
import { type JournalEntry, type JournalRun, readJournal } from '../store/journal.js';
import type { RecordOutcome } from '../store/outcome.js';
import { commitRecords, type ExistenceCheck, type PreparedBatch } from '../store/writeRecords.js';

/** One shard's part of a sharded model's batch: the positions in the batch of its records. */
export interface Part {
  readonly alias: string;
  readonly positions: readonly number[];
  readonly batch: PreparedBatch;
}

/** What one shard's part decided, for the report's per-database figures. */
export interface PartCount {
  readonly alias: string;
  readonly attempted: number;
  readonly succeeded: number;
}

/**
 * A prepared batch cut by shard, in batch order within each part. Every shard gets a part, an
 * empty one too: its journal entry is how a resumed run knows the batch is done there. A record
 * without its key is placed in the first shard, where validation has refused it.
 */
export function partsOf(batch: PreparedBatch, records: readonly unknown[], rule: ShardingRule): Part[] {
  const databases = ruleDatabases(rule);
  const positions = new Map<string, number[]>(databases.map((a) => [a, []]));
  records.forEach((record, i) => {
    const key =
      typeof record === 'object' && record !== null
        ? (record as Record<string, unknown>)[rule.key]
        : undefined;
    const alias = key === undefined || key === null ? (databases[0] as string) : shardOf(rule, key);
    positions.get(alias)?.push(i);
  });
  return databases.map((alias) => {
    const at = positions.get(alias) ?? [];
    return {
      alias,
      positions: at,
      batch: {
        model: batch.model,
        ids: at.map((i) => batch.ids[i] ?? null),
        validations: at.map((i) => batch.validations[i] as PreparedBatch['validations'][number]),
      },
    };
  });
}

/** How a part is written: its shard's connection, and the worker's bounded retries of transient failures. */
export interface PartWriter {
  connection(alias: string): Promise<Connection>;
  retrying<T>(conn: Connection, step: () => Promise<T>): Promise<T>;
}

/**
 * A sharded batch at its write turn: its unique values claimed in the model's global index when
 * its shards cannot keep them alone, its parts written, and the values of records that did not
 * land given back.
 */
export async function commitSharded(
  parts: readonly Part[],
  rule: ShardingRule,
  entry: JournalEntry & { readonly run: JournalRun },
  count: number,
  writer: PartWriter,
): Promise<{ outcomes: RecordOutcome[]; counts: PartCount[] }> {
  const model = parts[0]?.batch.model;
  const fields = model ? globalFields(model, rule) : [];
  const reach = async (alias: string) => ({ alias, conn: await writer.connection(alias) });
  const index =
    model && fields.length > 0
      ? await openIndex(reach, model, rule.index ?? FALLBACK_ALIAS, fields)
      : undefined;
  // Claiming again after a transient failure is safe: the claims it made are its own.
  const claimed = index
    ? await writer.retrying(index.access.conn, () => claimParts(index, parts))
    : undefined;
  const written = await commitParts(parts, entry, count, writer, rule.version ?? 1);
  // Records of a part that failed are not written either: their values go back before the error.
  await claimed?.releaseUnwritten(written.outcomes);
  if (written.failed !== undefined) throw written.failed.reason;
  return written;
}

/**
 * Writes every part at once, each in one transaction of its shard with its journal entry, and
 * returns the batch's outcomes in batch order (and the first failure, if a part failed). A part its shard has journaled already (an
 * earlier attempt, or a run interrupted in the middle of this batch) is not written again: its
 * journaled outcomes stand.
 */
async function commitParts(
  parts: readonly Part[],
  entry: JournalEntry & { readonly run: JournalRun },
  count: number,
  writer: PartWriter,
  version: number,
): Promise<{ outcomes: RecordOutcome[]; counts: PartCount[]; failed?: PromiseRejectedResult }> {
  const outcomes: RecordOutcome[] = new Array(count);
  // Every part runs to its end or its failure before one is reported: none is left writing.
  const settled = await Promise.allSettled(
    parts.map(async (part): Promise<PartCount> => {
      const conn = await writer.connection(part.alias);
      const model = part.batch.model;
      // A reshard's switch turns away a part routed by the layout before it: the run stops.
      const fenced = await fencedAccess({ alias: part.alias, conn }, model, version);
      const written = await writer.retrying(conn, async () => {
        const done = await readJournal(conn, entry.run, model.name, entry.seq);
        if (done) return journaledPart(part, done.failures, entry.firstIndex);
        const at = { ...entry, positions: part.positions, shard: part.alias };
        return commitRecords(part.batch, fenced.conn, at);
      });
      part.positions.forEach((p, k) => {
        outcomes[p] = written[k] as RecordOutcome;
      });
      return {
        alias: part.alias,
        attempted: part.positions.length,
        succeeded: written.filter((o) => o.ok).length,
      };
    }),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const counts = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  return { outcomes, counts, ...(failed ? { failed } : {}) };
}

/** A journaled part's outcomes in part order: its failures (by dataset index); the rest succeeded. */
function journaledPart(
  part: Part,
  failures: readonly { index: number; id: string | number | null; code: string; message: string }[],
  firstIndex: number,
): RecordOutcome[] {
  const byPosition = new Map(failures.map((f) => [f.index - firstIndex, f]));
  return part.positions.map((p, k): RecordOutcome => {
    const f = byPosition.get(p);
    return f
      ? { ok: false, id: f.id, code: f.code, message: f.message }
      : { ok: true, id: part.batch.ids[k] ?? null };
  });
}

/**
 * Where references into a sharded model are looked up: each value in its shard when the column
 * is the shard key, else in every shard.
 */
export function shardedExistence(
  rule: ShardingRule,
  connection: (alias: string) => Promise<Connection>,
): ExistenceCheck {
  return {
    existing: async (table, column, values) => {
      const groups = new Map<string, SqlValue[]>();
      for (const alias of ruleDatabases(rule)) if (column !== rule.key) groups.set(alias, [...values]);
      if (column === rule.key) {
        for (const v of values) {
          const alias = shardOf(rule, v);
          const group = groups.get(alias);
          if (group) group.push(v);
          else groups.set(alias, [v]);
        }
      }
      const found = new Set<string>();
      const sets = await Promise.all(
        [...groups].map(async ([alias, group]) => (await connection(alias)).existing(table, column, group)),
      );
      for (const set of sets) for (const k of set) found.add(k);
      return found;
    },
  };
}

/**
 * Claims the unique values of a batch's valid records in the model's global index, in batch
 * order across its parts (the batch's write turn puts batches in dataset order): a record that
 * loses a value is refused in its part with the issue one database gives. Its
 * `releaseUnwritten` gives back the values of records that did not land, once written.
 */
function claimParts(ix: IndexAccess, parts: readonly Part[]) {
  const batches: Batch[] = parts.map((p) => ({ alias: p.alias, positions: [...p.positions] }));
  const prepared = new Map(batches.map((b, i) => [b, parts[i]?.batch as PreparedBatch]));
  return claimValues(ix, batches, async (b) => prepared.get(b) as PreparedBatch);
}
