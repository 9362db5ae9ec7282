/**
 * Characters that must not reach a terminal or a one-line text format as they are: C0 controls
 * (newlines and tabs included), DEL, C1 controls (U+009B is an 8-bit CSI), the bidirectional
 * embeddings, overrides and isolates (they make text read other than it is), and lone
 * surrogates (UTF-8 output would silently turn them into U+FFFD).
 */
const UNSAFE_ALL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|[\udc00-\udfff](?<![\ud800-\udbff][\udc00-\udfff])/g;
/**
 * The same without `g`, so `test` keeps no position between calls. The look-behind comes after
 * a low surrogate has matched, so ordinary text never pays for it.
 */
const UNSAFE = new RegExp(UNSAFE_ALL.source);

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x80
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text safe to show on one line of a terminal or in a one-line field: `\n`, `\r` and `\t` are
 * written as such, other characters below U+0080 as `\xNN` (ESC is `\x1b`), the rest as
 * `\uNNNN` (`\u009b`, `\u202e`, `\ud800`), hex in lower case. Everything else, accents, emoji
 * and CJK included, is unchanged, and a backslash is not escaped: the output is for reading,
 * not for parsing back. Applying it twice gives the same text as applying it once.
 */
export function escapeControl(value: string | number): string {
  const text = String(value);
  // Most text has nothing to escape: one scan, no new string.
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeOne) : text;
}

/** Text of several lines (help, stack traces): each line escaped, the line breaks kept. */
export function escapeControlLines(text: string): string {
  return UNSAFE.test(text) ? text.split('\n').map(escapeControl).join('\n') : text;
}
