/**
 * Secret scrubbing for everything distdb prints or stores. URLs are redacted where they are
 * parsed; this is the second line of defence for text that came from elsewhere (driver errors,
 * causes), applied at every output boundary.
 */
import { escapeControl } from './util/controlText.js';

const known = new Set<string>();

/**
 * Shorter secrets are not scrubbed from free text: replacing every "p" would garble messages and
 * give the password away by where the stars fall. URLs are redacted by their structure anyway.
 */
const MIN_SCRUBBED = 4;

export function registerSecrets(secrets: Iterable<string>): void {
  for (const s of secrets) {
    if (s.length < MIN_SCRUBBED) continue;
    known.add(s);
    for (const variant of variantsOf(s)) known.add(variant);
  }
}

function variantsOf(secret: string): string[] {
  const out = [encodeURIComponent(secret), encodeURI(secret)];
  try {
    out.push(decodeURIComponent(secret));
  } catch {
    // not percent-encoded: nothing to add
  }
  // Output is escaped before it is scrubbed: a secret with a control character shows escaped.
  out.push(...[secret, ...out].map(escapeControl));
  return out.filter((v) => v.length >= MIN_SCRUBBED);
}

export function scrub(text: string): string {
  let out = text;
  // Longest first so a secret that contains another is removed whole.
  for (const s of [...known].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}
