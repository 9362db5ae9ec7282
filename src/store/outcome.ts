import type { FailureCode } from '../models/failureCodes.js';

/** What became of one record: stored, or refused with a code and a message saying why. */
export type RecordOutcome =
  | { readonly ok: true; readonly id: string | number | null }
  | {
      readonly ok: false;
      readonly id: string | number | null;
      readonly code: FailureCode;
      readonly message: string;
    };
