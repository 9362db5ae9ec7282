/**
 * Stable failure codes, in precedence order: a record with several problems reports the first
 * of these as its code (and all of them in its message). The first three are about the record
 * as a whole, which is then not validated further.
 */
export const FAILURE_CODES = [
  'record_too_large',
  'record_too_deep',
  'repeated_field',
  'invalid_id',
  'duplicate_id',
  'invalid_name',
  'invalid_email',
  'duplicate_email',
  'invalid_price',
  'invalid_quantity',
  'invalid_user_id',
  'invalid_product_id',
  'unknown_user',
  'unknown_product',
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];

const rank = new Map<string, number>(FAILURE_CODES.map((c, i) => [c, i]));

export function codeRank(code: FailureCode): number {
  return rank.get(code) ?? FAILURE_CODES.length;
}

export interface Issue {
  readonly code: FailureCode;
  readonly field: string;
  readonly message: string;
}

/** Orders issues by code precedence (stable for equal codes). */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  return [...issues].sort((a, b) => codeRank(a.code) - codeRank(b.code));
}
