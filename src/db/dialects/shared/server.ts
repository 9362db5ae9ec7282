/**
 * Driver-free helpers both server dialects (postgres, mysql) share: URL pieces and sanitized
 * connection errors (values: values.ts, insert planning: insertPlan.ts).
 */
import { readFileSync } from 'node:fs';
import { DistdbError, errorMessage } from '../../../errors.js';
import { truncate } from '../../../util/text.js';
import type { ConnectOptions } from '../../dialect.js';
import type { DatabaseUrl } from '../../url.js';

// ---- URLs and connection errors -------------------------------------------------------------

/** WHATWG parse; the message names the URL only in its redacted form. */
export function parseServerUrl(url: DatabaseUrl): URL {
  try {
    return new URL(url.raw);
  } catch {
    throw new DistdbError('config', `${url.redacted} is not a valid database URL`);
  }
}

/** Percent-decodes a URL part (user, password, database); a bad escape is a config error. */
export function decodePart(url: DatabaseUrl, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new DistdbError('config', `${url.redacted}: the ${what} has an invalid %-escape`);
  }
}

/**
 * Where a server URL points, percent-decoded, empty parts left undefined. `host` (a query
 * parameter, say) replaces the URL's own host, which is then not decoded at all.
 */
export function serverTarget(
  url: DatabaseUrl,
  u: URL,
  host?: string,
): { host?: string; port?: number; user?: string; password?: string; database?: string } {
  return {
    host: (host ?? decodePart(url, u.hostname.replace(/^\[(.*)\]$/, '$1'), 'host')) || undefined,
    port: u.port ? Number(u.port) : undefined,
    user: decodePart(url, u.username, 'user name') || undefined,
    password: decodePart(url, u.password, 'password') || undefined,
    database: decodePart(url, u.pathname.replace(/^\//, ''), 'database name') || undefined,
  };
}

/** A CA certificate named in the URL (`param`); an unreadable file is a config error. */
export function readCaFile(url: DatabaseUrl, path: string, param: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new DistdbError('config', `${url.redacted}: cannot read ${param}: ${errorMessage(err)}`);
  }
}

/** `ConnectOptions.poolSize` first, then the first of `names` in the query string, then 4. */
export function poolSize(
  url: DatabaseUrl,
  params: URLSearchParams,
  names: readonly string[],
  options?: ConnectOptions,
): number {
  if (options?.poolSize !== undefined && Number.isFinite(options.poolSize)) {
    return Math.max(1, Math.floor(options.poolSize));
  }
  for (const name of names) {
    const text = params.get(name);
    if (text === null) continue;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      throw new DistdbError(
        'config',
        `${url.redacted}: ${name}=${truncate(text)} is not a pool size (1-1000)`,
      );
    }
    return n;
  }
  return 4;
}

/** Seconds in the query string → milliseconds (default 10 s), so an unreachable host fails promptly. */
export function timeoutMs(url: DatabaseUrl, params: URLSearchParams, name: string): number {
  const text = params.get(name);
  if (text === null) return 10_000;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new DistdbError('config', `${url.redacted}: ${name}=${truncate(text)} is not a number of seconds`);
  }
  return Math.round(n * 1000);
}

/**
 * What a backend can say of a failed connection in a user's words where its driver's message is
 * terse ("timeout expired"), or undefined to keep the driver's message.
 */
export type ExplainConnectFailure = (err: unknown) => string | undefined;

/** Explanations both servers share; `timeoutMs` is the URL's connect_timeout. */
export const explainCommon = {
  missingDatabase: (database: string | undefined) =>
    `database "${database ?? ''}" does not exist on the server: create it first (CREATE DATABASE ${database ?? ''})`,
  timedOut: (timeoutMs: number | undefined) =>
    `no answer within ${(timeoutMs ?? 0) / 1000} s (connect_timeout): is the host reachable?`,
};

/**
 * `cannot connect to <redacted>: <message>`. The cause is a fresh Error carrying only the
 * message and the driver's code and errno (so retry decisions still see them): driver errors may
 * hold references to the connection config, password included.
 */
export function connectionError(
  url: DatabaseUrl,
  err: unknown,
  password: string | undefined,
  explain?: ExplainConnectFailure,
): DistdbError {
  let message = explain?.(err) ?? driverMessage(err);
  const secrets = [...url.secrets, password ?? ''].filter((s) => s.length > 0);
  for (const s of [...secrets, ...secrets.map(encodeURIComponent)].sort((a, b) => b.length - a.length)) {
    message = message.split(s).join('***');
  }
  const { code, errno } = (err ?? {}) as { code?: unknown; errno?: unknown };
  const cause = Object.assign(
    new Error(message),
    typeof code === 'string' ? { code } : {},
    typeof errno === 'number' ? { errno } : {},
  );
  return new DistdbError('connection', `cannot connect to ${url.redacted}: ${message}`, { cause });
}

/** A new pool must reach its server: otherwise it is ended and the sanitized error thrown. */
export async function probePool(
  url: DatabaseUrl,
  pool: { query(sql: string): Promise<unknown>; end(): Promise<void> },
  password: string | undefined,
  explain: ExplainConnectFailure,
): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw connectionError(url, err, password, explain);
  }
}

// Node reports "connection refused on every address" as an AggregateError with an empty message.
function driverMessage(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return [...new Set(err.errors.map((e) => errorMessage(e)))].join('; ');
  }
  const message = errorMessage(err);
  if (message) return message;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
