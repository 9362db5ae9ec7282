import type { RecordOutcome } from '../store/outcome.js';
import type { Mismatch, RecordFailure } from './messages.js';

/** A batch's outcomes counted: its failures, and against what a generator intended, if it did. */
export interface Tally {
  readonly succeeded: number;
  readonly failures: RecordFailure[];
  readonly expected?: Record<string, number>;
  /** The first 20 disagreements; `mismatchCount` counts them all. */
  readonly mismatches?: Mismatch[];
  readonly mismatchCount?: number;
}

/** `intended[i]` is the outcome (`ok` or a code) meant for record `firstIndex + i`. */
export function tally(
  firstIndex: number,
  outcomes: readonly RecordOutcome[],
  intended?: readonly string[],
): Tally {
  const failures: RecordFailure[] = [];
  let succeeded = 0;
  const expected: Record<string, number> = {};
  const mismatches: Mismatch[] = [];
  let mismatchCount = 0;
  outcomes.forEach((o, i) => {
    if (o.ok) succeeded++;
    else failures.push({ index: firstIndex + i, id: o.id, code: o.code, message: o.message });
    const meant = intended?.[i];
    if (meant === undefined) return;
    expected[meant] = (expected[meant] ?? 0) + 1;
    const actual = o.ok ? 'ok' : o.code;
    if (actual !== meant && mismatchCount++ < 20)
      mismatches.push({ index: firstIndex + i, expected: meant, actual });
  });
  return intended ? { succeeded, failures, expected, mismatches, mismatchCount } : { succeeded, failures };
}
