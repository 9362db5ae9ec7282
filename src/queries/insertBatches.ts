import { DistdbError, errorMessage } from '../errors.js';
import { scrub } from '../secrets.js';
import type { RecordOutcome } from '../store/outcome.js';

/** Records per transaction in insertMany: fewer commits (each one a sync to disk) than records. */
export const INSERT_MANY_BATCH = 10_000;

/**
 * An insertMany as a run of calls, each writing the next INSERT_MANY_BATCH records (an `atomic`
 * each, say, so that only one batch's references are held at once). Earlier batches stay written
 * when one fails, as within one call, and the failure says how far the whole got.
 */
export async function inBatches<I>(
  records: readonly I[],
  write: (batch: readonly I[]) => Promise<RecordOutcome[]>,
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  for (let from = 0; from < records.length; from += INSERT_MANY_BATCH) {
    try {
      outcomes.push(...(await write(records.slice(from, from + INSERT_MANY_BATCH))));
    } catch (err) {
      throw partly(err, undefined, { decided: from, total: records.length });
    }
  }
  return outcomes;
}

/**
 * A failed insertMany says how far it got (`progress`): earlier batches are committed, later
 * ones not tried. A driver's failure while writing names the batch's database (`alias`), as a
 * failed query does; a distdb error keeps the database and SQL it names, and its cause.
 */
export function partly(
  err: unknown,
  alias: string | undefined,
  progress: { decided: number; total: number } | undefined,
): DistdbError {
  const own = err instanceof DistdbError ? err : undefined;
  const where = own ? own.alias : alias;
  // A batch's failure already saying how far the batch got says it of the whole instead.
  const reason = scrub(errorMessage(err)).replace(/^insertMany decided \d+ of \d+ records, then: /, '');
  const named = !own && where !== undefined ? `database "${where}": ${reason}` : reason;
  return new DistdbError(
    own?.kind ?? 'query',
    progress ? `insertMany decided ${progress.decided} of ${progress.total} records, then: ${named}` : named,
    { cause: own?.cause ?? err, alias: where, sql: own?.sql, reason: own?.reason, fact: own?.fact },
  );
}
