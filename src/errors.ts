/** Why a distdb operation stopped. The kind decides the CLI exit code. */
export type ErrorKind =
  | 'usage'
  | 'config'
  | 'dataset'
  | 'connection'
  | 'migration'
  | 'conflict'
  | 'runtime'
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
  mismatch: 3,
};

/** An error meant for the person running distdb: a one-line message, a kind, and the underlying cause. */
export class DistdbError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DistdbError';
    this.kind = kind;
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
