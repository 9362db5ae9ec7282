import { isInexactNumber } from '../util/jsonNumber.js';

/**
 * What a record may be at most, so that no record can exhaust a worker's memory or stack (a
 * 20 MB name, a value nested 100,000 levels deep): such a record fails with its own code and
 * goes no further than this check.
 */
export const MAX_RECORD_CHARS = 1_048_576;
export const MAX_RECORD_DEPTH = 32;

export type RecordBoundCode = 'record_too_large' | 'record_too_deep';

/**
 * Measures a record without recursion, stopping as soon as a bound is passed: characters of
 * its keys and strings (a number or other value counts as 8), and how deeply its objects and
 * arrays nest (a flat record is 1 deep).
 */
export function recordBoundProblem(input: unknown): { code: RecordBoundCode; message: string } | undefined {
  if (!isNested(input)) return undefined;
  let chars = 0;
  // Nested values wait here; a flat record (the usual one) never allocates it.
  let pending: [object, number][] | undefined;
  for (let value: object | undefined = input, depth = 1; value !== undefined; ) {
    if (depth > MAX_RECORD_DEPTH) {
      return { code: 'record_too_deep', message: `record nests more than ${MAX_RECORD_DEPTH} levels deep` };
    }
    const fields = value as Record<string, unknown>;
    for (const key in fields) {
      if (!Object.hasOwn(fields, key)) continue;
      const v = fields[key];
      chars += key.length + (typeof v === 'string' ? v.length : 8);
      if (chars > MAX_RECORD_CHARS) {
        return { code: 'record_too_large', message: `record is larger than ${MAX_RECORD_CHARS} characters` };
      }
      if (!isNested(v)) continue;
      pending ??= [];
      pending.push([v, depth + 1]);
    }
    const next = pending?.pop();
    value = next?.[0];
    depth = next?.[1] ?? 0;
  }
  return undefined;
}

const isNested = (v: unknown): v is object => typeof v === 'object' && v !== null && !isInexactNumber(v);
