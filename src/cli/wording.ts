import type { DistdbError } from '../errors.js';

/** The command line's own advice for the library's refusals (DistdbError.reason). */
const ADVICE: Readonly<Record<string, string>> = {
  rows_exist: 'pass --append to keep them or --reset to empty them first',
  confirm_reset: 'pass --yes to confirm',
  no_canonical: 'pass --dataset FILE or --dataset generated',
  schema_drift: 'run `distdb makemigrations`',
  reshard_unfinished: 'finish it with `distdb reshard MODEL --resume` or give it up with `--abort`',
};

/** The error as the command line says it: the library's fact with the command's advice. */
export function cliMessage(err: DistdbError): string {
  const advice = err.reason === undefined ? undefined : ADVICE[err.reason];
  return advice !== undefined && err.fact !== undefined ? `${err.fact}: ${advice}` : err.message;
}
