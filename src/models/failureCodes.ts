import type { AnyModel } from './model.js';

/**
 * A failure code: one of the record-level codes below or a code a model declares (its fields'
 * `code`, `duplicateCode` and `unknownCode`). Codes are lower-case words joined by `_`.
 */
export type FailureCode = string;

/**
 * Codes about the record as a whole, ahead of every model's own codes. The first three stop the
 * record from being validated further.
 */
export const RECORD_CODES = [
  'record_too_large',
  'record_too_deep',
  'repeated_field',
  'unknown_field',
] as const;

export const FAILURE_CODE = /^[a-z][a-z0-9_]{0,39}$/;

export interface Issue {
  readonly code: FailureCode;
  readonly field: string;
  readonly message: string;
}

/**
 * Precedence of every code of a schema: the record-level codes, then each model's codes in
 * its own order, models in the order given. A record with several problems reports the first.
 */
export function codePrecedence(models: readonly AnyModel[]): FailureCode[] {
  const out = new Set<FailureCode>(RECORD_CODES);
  for (const m of models) for (const c of m.codes) out.add(c);
  return [...out];
}

/** Rank of each code of `models` (lower comes first); unknown codes rank last. */
export function codeRanks(models: readonly AnyModel[]): (code: FailureCode) => number {
  const codes = codePrecedence(models);
  const rank = new Map(codes.map((c, i) => [c, i]));
  return (code) => rank.get(code) ?? codes.length;
}

const modelRanks = new WeakMap<AnyModel, (code: FailureCode) => number>();

/** Orders a record's issues by its model's code precedence (stable for equal codes). */
export function sortIssues(model: AnyModel, issues: readonly Issue[]): Issue[] {
  if (issues.length < 2) return [...issues];
  let rank = modelRanks.get(model);
  if (!rank) {
    rank = codeRanks([model]);
    modelRanks.set(model, rank);
  }
  const r = rank;
  return [...issues].sort((a, b) => r(a.code) - r(b.code));
}
