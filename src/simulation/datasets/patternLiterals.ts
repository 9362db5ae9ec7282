/**
 * Literal texts a pattern asks for, to build candidate texts around: `^SKU-\d+$` wants `SKU-`
 * in front, `^[a-z]+\.md$` wants `.md` at the end, `ab` wants `ab` somewhere. Only a guess:
 * every candidate is checked against the pattern itself.
 */
export interface PatternLiterals {
  /** Runs of literal characters, in order (at most a few). */
  readonly runs: readonly string[];
  /** The run the pattern ends with (`…\.md$`), if any. */
  readonly suffix?: string;
}

// No whitespace: generated texts never start or end with it, whatever a field trims.
const LITERAL = /[A-Za-z0-9_:#/@-]/;
const ESCAPED_LITERAL = /[.\-/#:@]/;
const MAX_RUNS = 3;

/** Where the class, escape or count starting at `k` ends (the index of its last character). */
function skipSpecial(pattern: string, k: number): number {
  // A quantifier's count ({6}, {2,4}) is no literal.
  if (pattern[k] === '{') {
    const close = pattern.indexOf('}', k);
    return close < 0 ? pattern.length : close;
  }
  if (pattern[k] === '[') {
    let j = k + 1;
    while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
    return j;
  }
  // \p{L}, \u{1F600}: the braces belong to the escape.
  if (pattern[k + 2] === '{' && /[pPu]/.test(pattern[k + 1] ?? '')) {
    const close = pattern.indexOf('}', k);
    return close < 0 ? pattern.length : close;
  }
  return k + 1;
}

export function patternLiterals(pattern: string | undefined): PatternLiterals {
  if (pattern === undefined) return { runs: [] };
  const runs: string[] = [];
  let run = '';
  let suffix: string | undefined;
  const flush = () => {
    if (run.length > 0 && runs.length < MAX_RUNS) runs.push(run);
    run = '';
  };
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k] as string;
    const next = pattern[k + 1] ?? '';
    if (LITERAL.test(c) && !(c === '-' && run === '')) run += c;
    else if (c === '\\' && ESCAPED_LITERAL.test(next)) run += pattern[++k];
    else {
      // A quantifier makes the character before it optional or repeated: not part of the run.
      if ('?*{'.includes(c)) run = run.slice(0, -1);
      if (c === '$' && k === pattern.length - 1 && run) suffix = run;
      flush();
      if (c === '[' || c === '\\' || c === '{') k = skipSpecial(pattern, k);
    }
  }
  flush();
  return { runs, ...(suffix !== undefined ? { suffix } : {}) };
}
