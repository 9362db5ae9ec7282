import { scrub } from './secrets.js';

/** Why a distdb operation stopped. The kind decides the CLI exit code. */
export type ErrorKind =
  | 'usage'
  | 'config'
  | 'dataset'
  | 'connection'
  | 'migration'
  | 'conflict'
  | 'runtime'
  /** A query or write of the library API failed in the database. */
  | 'query'
  /** A generated workload's outcome disagreed with what the generator intended: a bug. */
  | 'mismatch';

const exitCodes: Record<ErrorKind, number> = {
  usage: 2,
  config: 2,
  dataset: 2,
  conflict: 2,
  connection: 1,
  migration: 1,
  runtime: 1,
  query: 1,
  mismatch: 3,
};

export interface ErrorOptions {
  readonly cause?: unknown;
  readonly alias?: string;
  readonly sql?: string;
  readonly reason?: string;
  readonly fact?: string;
}

/** What is so, then what to do about it in the library's terms; `reason` names the situation. */
export function advisedError(kind: ErrorKind, fact: string, reason: string, advice: string): DistdbError {
  return new DistdbError(kind, `${fact}: ${advice}`, { reason, fact });
}

/** An error meant for the person running distdb: a one-line message, a kind, and the underlying cause. */
export class DistdbError extends Error {
  readonly kind: ErrorKind;
  /** The database alias the error happened in, where there is one. */
  readonly alias: string | undefined;
  /** The SQL that failed, without its parameter values. */
  readonly sql: string | undefined;
  /**
   * For a refusal the caller can act on: a word naming the situation, and what is so (the
   * message without the library's advice), so that a command line can give its own advice.
   */
  readonly reason: string | undefined;
  readonly fact: string | undefined;
  constructor(kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DistdbError';
    this.kind = kind;
    this.alias = options?.alias;
    this.sql = options?.sql;
    this.reason = options?.reason;
    this.fact = options?.fact;
  }
  get exitCode(): number {
    return exitCodes[this.kind];
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Prefixes a connection error with the alias, so a message names both it and the (redacted) URL. */
export function namedAfter(alias: string, err: unknown): unknown {
  if (err instanceof DistdbError && !err.message.startsWith('database "')) {
    return new DistdbError(err.kind, `database "${alias}": ${err.message}`, { cause: err.cause });
  }
  return err;
}

/**
 * A failure of an operation on one database as a one-line error naming it: its alias and
 * redacted URL, then the first line of the driver's message with known secrets removed. A
 * distdb error already naming a database stays as it is.
 */
/** The first line of an error's message, secrets removed: what a one-line report of it shows. */
export function errorLine(err: unknown): string {
  return scrub(errorMessage(err).split('\n')[0] ?? '');
}

export function databaseError(
  databases: readonly { alias: string; url: string }[],
  err: unknown,
): DistdbError {
  if (err instanceof DistdbError && err.message.startsWith('database')) return err;
  const names = databases.map((d) => `"${d.alias}" (${d.url})`);
  const label = names.length === 1 ? `database ${names[0]}` : `databases ${names.join(', ')}`;
  const kind = err instanceof DistdbError ? err.kind : 'connection';
  return new DistdbError(kind, `${label}: ${errorLine(err)}`, { cause: err });
}
