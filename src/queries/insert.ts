import { DistdbError, errorMessage } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import { scrub } from '../secrets.js';
import type { RecordOutcome } from '../store/outcome.js';
import { commitRecords, prepareRecords, type ReferenceReader } from '../store/writeRecords.js';
import type { Access, QueryContext } from './context.js';

/** Records per transaction in insertMany. */
const BATCH = 1000;

/** References are looked up where each referenced model is read. */
export function referenceReader(ctx: QueryContext): ReferenceReader {
  return async (label) => {
    const model = ctx.model(label);
    return { model, check: (await ctx.reader(model)).conn };
  };
}

/**
 * Validates and inserts records in input order, in batches (one transaction each) per database
 * the router picks for each record: the first in input order wins a unique value, references
 * are checked, and every outcome is in its input position.
 */
export async function insertRecords(
  ctx: QueryContext,
  model: AnyModel,
  records: readonly unknown[],
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = new Array(records.length);
  const readRef = referenceReader(ctx);
  let batch: { access: Access; positions: number[] } | undefined;
  const flush = async () => {
    if (!batch) return;
    const { access, positions } = batch;
    batch = undefined;
    let written: RecordOutcome[];
    // The batch's database once its records are written: the checks before may read others.
    let writing: string | undefined;
    try {
      const prepared = await prepareRecords(
        model,
        positions.map((p) => records[p]),
        readRef,
      );
      writing = access.alias;
      written = await commitRecords(prepared, access.conn);
    } catch (err) {
      throw partly(err, writing, outcomes.filter((o) => o !== undefined).length, records.length);
    }
    positions.forEach((p, i) => {
      outcomes[p] = written[i] as RecordOutcome;
    });
  };
  for (const [p, record] of records.entries()) {
    const hints =
      typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : undefined;
    const access = await ctx.writer(model, hints);
    if (batch && (batch.access.alias !== access.alias || batch.positions.length >= BATCH)) await flush();
    batch ??= { access, positions: [] };
    batch.positions.push(p);
  }
  await flush();
  return outcomes;
}

/**
 * A failed insertMany says how far it got: earlier batches are committed, later ones not tried.
 * A driver's failure while writing names the batch's database (`alias`), as a failed query does;
 * a distdb error keeps the database and SQL it names.
 */
function partly(err: unknown, alias: string | undefined, decided: number, total: number): DistdbError {
  const own = err instanceof DistdbError ? err : undefined;
  const where = own ? own.alias : alias;
  const reason = scrub(errorMessage(err));
  const named = !own && where !== undefined ? `database "${where}": ${reason}` : reason;
  return new DistdbError(
    own?.kind ?? 'query',
    `insertMany decided ${decided} of ${total} records, then: ${named}`,
    {
      cause: err,
      alias: where,
      sql: own?.sql,
    },
  );
}
