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
 * Redacts a URL without trusting it to be well formed: a mistyped URL is exactly where a
 * password with `@`, `#` or `%` would otherwise leak. `scheme://user@host` (no password) is
 * shown as given; a well-formed `scheme://user:pass@host` keeps its user; anything else with an
 * `@` hides everything between its first `:` and its last `@`; `scheme://user:pass` with no host hides what follows the user unless it is a port.
 */
export function redactUrl(raw: string): { redacted: string; secrets: string[] } {
  const secrets: string[] = [];
  let redacted = raw;
  const at = raw.lastIndexOf('@');
  const wellFormed = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#@:]*)(:)(.*)@([^@]*)$/s.exec(raw);
  const colon = raw.indexOf(':');
  // `scheme://user@host`: a user and no password, nothing to hide.
  const userOnly = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@:]*@([^@]*)$/s.exec(raw);
  // What follows the last @ must look like a host (or nothing), else the @ was in the password.
  if (userOnly && /^([A-Za-z0-9[._~-]|%2F|\/|$)/i.test(userOnly[1] ?? '')) {
    // shown as given
  } else if (wellFormed && !/^([A-Za-z0-9[._~-]|%2F|\/|$)/i.test(wellFormed[5] ?? '')) {
    const password = raw.slice((wellFormed[1]?.length ?? 0) + (wellFormed[2]?.length ?? 0) + 1);
    secrets.push(password, password.slice(0, password.indexOf('@')));
    redacted = `${wellFormed[1]}${wellFormed[2]}:***`;
  } else if (wellFormed) {
    const password = wellFormed[4] ?? '';
    if (password.length > 0) secrets.push(password);
    redacted = `${wellFormed[1]}${wellFormed[2]}:***@${wellFormed[5]}`;
  } else if (at >= 0 && colon >= 0 && colon < at) {
    const secret = raw.slice(colon + 1, at);
    // "/u:PW" hides the user too; the password alone is registered as well, for scrubbing.
    secrets.push(secret, secret.slice(secret.lastIndexOf(':') + 1));
    redacted = `${raw.slice(0, colon + 1)}***${raw.slice(at)}`;
  } else if (at < 0) {
    const noHost = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/?#[\]]*:)([^/?#]*)(.*)$/s.exec(raw);
    if (noHost?.[2] && !/^\d+$/.test(noHost[2])) {
      secrets.push(noHost[2]);
      redacted = `${noHost[1]}***${noHost[3] ?? ''}`;
    }
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
