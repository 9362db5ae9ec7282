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
  if (typeof input !== 'object' || input === null || isInexactNumber(input)) return undefined;
  let chars = 0;
  const stack: [object, number][] = [[input, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [value, depth] = next;
    if (depth > MAX_RECORD_DEPTH) {
      return { code: 'record_too_deep', message: `record nests more than ${MAX_RECORD_DEPTH} levels deep` };
    }
    for (const [key, v] of Object.entries(value)) {
      chars += key.length + (typeof v === 'string' ? v.length : 8);
      if (chars > MAX_RECORD_CHARS) {
        return { code: 'record_too_large', message: `record is larger than ${MAX_RECORD_CHARS} characters` };
      }
      if (typeof v === 'object' && v !== null && !isInexactNumber(v)) stack.push([v, depth + 1]);
    }
  }
  return undefined;
}
