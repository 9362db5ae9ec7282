/**
 * The SQL a failed statement was, kept beside the driver's error rather than in it: the error
 * stays the driver's own (rowFailure and isTransient read it as such). The text is the statement
 * as sent, with placeholders where its values were.
 */
const statements = new WeakMap<object, string>();

/** Remembers `sql` as the statement `err` came from (the first one noted wins). */
export function noteFailedSql(err: unknown, sql: string): void {
  if (typeof err === 'object' && err !== null && !statements.has(err)) statements.set(err, sql);
}

/** The statement `err`, or an error it was caused by, came from. */
export function failedSql(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const sql = statements.get(e);
    if (sql !== undefined) return sql;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Runs one statement's synchronous work (an embedded driver), noting `sql` if it throws. */
export function noted<T>(sql: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    noteFailedSql(err, sql);
    throw err;
  }
}
