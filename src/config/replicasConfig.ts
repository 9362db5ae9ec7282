import { dialectFor } from '../db/registry.js';
import { type DatabaseUrl, parseDatabaseUrl } from '../db/url.js';
import { DistdbError } from '../errors.js';
import { registerSecrets } from '../secrets.js';
import { typeName } from '../util/text.js';

/** A primary database's read replicas and how far behind they may serve reads. */
export interface ReplicaSetting {
  readonly urls: readonly DatabaseUrl[];
  /** A replica further behind than this gets no reads until it catches up. */
  readonly maxLagMs: number;
  /** How long a read after the caller's own write may wait for a replica to replay it (0: the primary serves it). */
  readonly waitMs: number;
}

export const DEFAULT_MAX_LAG_MS = 1000;

type Problem = { problem: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `DISTDB_USERS_REPLICA_URLS=url,url` → users: [url, url]. */
export function envReplicaUrls(env: Readonly<Record<string, string | undefined>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^DISTDB_([A-Z][A-Z0-9_]*)_REPLICA_URLS$/.exec(k);
    const urls = v
      ?.split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    if (m?.[1] && urls?.length) out[m[1].toLowerCase()] = urls;
  }
  return out;
}

function milliseconds(at: string, value: unknown, fallback: number): number | Problem {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  return { problem: `${at} must be a number of milliseconds (0 or more), got ${typeName(value)}` };
}

/** The URL list and options of one entry: a list of URLs, or `{urls, maxLagMs, waitMs}`. */
function entryOf(
  at: string,
  given: unknown,
): { urls: unknown; maxLagMs: unknown; waitMs: unknown } | Problem {
  if (Array.isArray(given)) return { urls: given, maxLagMs: undefined, waitMs: undefined };
  if (!isObject(given))
    return { problem: `${at} must be a list of URLs or {urls, maxLagMs, waitMs}, got ${typeName(given)}` };
  const unknown = Object.keys(given).find((k) => !['urls', 'maxLagMs', 'waitMs'].includes(k));
  if (unknown) return { problem: `${at}: unknown key "${unknown}" (allowed: urls, maxLagMs, waitMs)` };
  return { urls: given.urls, maxLagMs: given.maxLagMs, waitMs: given.waitMs };
}

async function urlsOf(at: string, raw: unknown, primary: DatabaseUrl): Promise<DatabaseUrl[] | Problem> {
  if (!Array.isArray(raw) || raw.length === 0)
    return { problem: `${at} must be a non-empty list of database URLs, got ${typeName(raw)}` };
  const dialect = await dialectFor(primary);
  if (!dialect.replication)
    return {
      problem: `${at}: ${primary.redacted} is a ${dialect.backend} database, which distdb reads no replicas of (PostgreSQL and MariaDB only)`,
    };
  const urls: DatabaseUrl[] = [];
  for (const [i, text] of raw.entries()) {
    if (typeof text !== 'string')
      return { problem: `${at}[${i}] must be a database URL, got ${typeName(text)}` };
    try {
      const url = parseDatabaseUrl(text, `${at}[${i}]`);
      registerSecrets(url.secrets);
      const backend = await dialectFor(url).then(
        (d) => d.backend,
        () => undefined,
      );
      if (backend !== dialect.backend)
        return {
          problem: `${at}[${i}]: ${url.redacted} is not a ${dialect.backend} URL, as its primary ${primary.redacted} is`,
        };
      dialect.checkUrl(url);
      urls.push(url);
    } catch (err) {
      if (err instanceof DistdbError) return { problem: err.message };
      throw err;
    }
  }
  return urls;
}

/**
 * The `replicas` section (alias → URLs, or `{urls, maxLagMs, waitMs}`), with the environment's
 * URL lists replacing the file's: checked against the configured databases, one line per problem.
 */
export async function checkReplicas(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
  databases: Readonly<Record<string, DatabaseUrl>>,
): Promise<{ replicas: Record<string, ReplicaSetting> } | Problem> {
  if (raw !== undefined && !isObject(raw))
    return { problem: `replicas must be an object, got ${typeName(raw)}` };
  const fromEnv = envReplicaUrls(env);
  const aliases = new Set([...Object.keys(raw ?? {}), ...Object.keys(fromEnv).filter((a) => a in databases)]);
  const replicas: Record<string, ReplicaSetting> = {};
  for (const alias of aliases) {
    const at = `replicas.${alias}`;
    const primary = databases[alias];
    if (!primary)
      return {
        problem: `${at}: unknown database "${alias}" (configured: ${Object.keys(databases).join(', ')})`,
      };
    const entry = entryOf(at, raw?.[alias] ?? []);
    if ('problem' in entry) return entry;
    const urls = await urlsOf(
      fromEnv[alias] ? `DISTDB_${alias.toUpperCase()}_REPLICA_URLS` : `${at}.urls`,
      fromEnv[alias] ?? entry.urls,
      primary,
    );
    if ('problem' in urls) return urls;
    const maxLagMs = milliseconds(`${at}.maxLagMs`, entry.maxLagMs, DEFAULT_MAX_LAG_MS);
    if (typeof maxLagMs !== 'number') return maxLagMs;
    const waitMs = milliseconds(`${at}.waitMs`, entry.waitMs, 0);
    if (typeof waitMs !== 'number') return waitMs;
    replicas[alias] = { urls, maxLagMs, waitMs };
  }
  return { replicas };
}
