import { DistdbError } from '../errors.js';

/** A database URL split into what the dialects need; `redacted` is the only form ever shown. */
export interface DatabaseUrl {
  readonly scheme: string;
  readonly raw: string;
  readonly redacted: string;
  /** Secrets found in the URL (password, password-like query values), for scrubbing output. */
  readonly secrets: readonly string[];
}

const SECRET_PARAMS = /^(password|pass|pwd|secret|token|sslpassword|sslkey)$/i;

/**
 * Redacts a URL without trusting it to be well formed: a malformed URL is exactly where a
 * password with `@`, `#` or `%` would otherwise leak. Everything between the scheme's `user:`
 * and the last `@` is treated as the password.
 */
export function redactUrl(raw: string): { redacted: string; secrets: string[] } {
  const secrets: string[] = [];
  let redacted = raw;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#@:]*)(:)(.*)@([^@]*)$/s.exec(raw);
  if (m) {
    const password = m[4] ?? '';
    if (password.length > 0) secrets.push(password);
    redacted = `${m[1]}${m[2]}${m[3]}***@${m[5]}`;
  }
  const q = redacted.indexOf('?');
  if (q >= 0) {
    const head = redacted.slice(0, q);
    const parts = redacted
      .slice(q + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) return pair;
        const key = pair.slice(0, eq);
        if (!SECRET_PARAMS.test(key)) return pair;
        const value = pair.slice(eq + 1);
        if (value.length > 0) secrets.push(value);
        return `${key}=***`;
      });
    redacted = `${head}?${parts.join('&')}`;
  }
  return { redacted, secrets };
}

/** Parses `scheme:rest`; the dialect registry decides whether the scheme is supported. */
export function parseDatabaseUrl(raw: string, where: string): DatabaseUrl {
  const { redacted, secrets } = redactUrl(raw);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw);
  if (!m?.[1]) {
    throw new DistdbError(
      'config',
      `${where}: "${redacted}" is not a database URL (expected e.g. sqlite:./data/users.db)`,
    );
  }
  return { scheme: m[1].toLowerCase(), raw, redacted, secrets };
}
