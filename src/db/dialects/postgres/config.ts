/** How distdb connects to PostgreSQL: pool settings from the URL, result types, placeholders. */
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import pg from 'pg';
import { DistdbError } from '../../../errors.js';
import { truncate } from '../../../util/text.js';
import type { ConnectOptions, SqlValue } from '../../dialect.js';
import type { DatabaseUrl } from '../../url.js';
import {
  explainCommon,
  parseServerUrl,
  poolSize,
  readCaFile,
  serverTarget,
  timeoutMs,
} from '../shared/server.js';
import type { ServerTraits } from '../shared/serverConnection.js';
import { timestamptzToIso } from './timestamps.js';
import { POSTGRES_TWO_PHASE } from './twoPhase.js';

function sslOption(url: DatabaseUrl, params: URLSearchParams): pg.PoolConfig['ssl'] {
  const mode = params.get('sslmode') ?? 'disable';
  const ca = params.get('sslrootcert');
  let tls: TlsOptions;
  switch (mode) {
    // pg cannot fall back from TLS to plain the way libpq does, so "prefer" and "allow" mean off.
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      tls = { rejectUnauthorized: false };
      break;
    case 'verify-ca':
      tls = { rejectUnauthorized: true, checkServerIdentity: () => undefined };
      break;
    case 'verify-full':
      tls = { rejectUnauthorized: true };
      break;
    default:
      throw new DistdbError(
        'config',
        `${url.redacted}: sslmode=${truncate(mode)} is not one of disable, require, verify-ca, verify-full`,
      );
  }
  if (ca !== null) tls.ca = readCaFile(url, ca, 'sslrootcert');
  return tls;
}

/**
 * Result values stay within SqlValue: BIGINT (COUNT, MAX(id)) becomes a number when it is exact,
 * booleans become 1/0 as in SQLite and MySQL, TIMESTAMPTZ becomes UTC ISO text as in the others
 * (whatever the session's TimeZone), other dates stay text. NUMERIC stays exact text. Installed
 * on this pool only, never globally.
 */
const textParsers = new Map<number, (text: string) => SqlValue>([
  [20, (t) => (Number.isSafeInteger(Number(t)) ? Number(t) : t)],
  [16, (t) => (t === 't' ? 1 : 0)],
  [1082, (t) => t],
  [1114, (t) => t],
  [1184, timestamptzToIso],
]);

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format !== 'binary' && textParsers.get(oid)) ||
    pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** `postgres://user:password@host:port/database?sslmode=...&pool=...`. */
export function postgresConfig(url: DatabaseUrl, options?: ConnectOptions): pg.PoolConfig {
  const u = parseServerUrl(url);
  const params = u.searchParams;
  return {
    // Unix sockets: `?host=/var/run/postgresql` or a percent-encoded path as the host.
    ...serverTarget(url, u, params.get('host') ?? undefined),
    ssl: sslOption(url, params),
    max: poolSize(url, params, ['pool', 'pool_size', 'max'], options),
    connectionTimeoutMillis: timeoutMs(url, params, 'connect_timeout'),
    application_name: params.get('application_name') ?? 'distdb',
    keepAlive: true,
    types,
  };
}

const numbered = new Map<string, string>();

/**
 * Portable `?` placeholders → `$1..$n`. Quoted strings, quoted identifiers and comments are
 * copied as they are.
 */
/** The opening tag of a dollar-quoted string at `i` (`$$` or `$name$`), if one starts there. */
function dollarTag(sql: string, i: number): string | undefined {
  // A tag follows no identifier character: `a$1` is not one.
  if (i > 0 && /[\w$]/.test(sql[i - 1] as string)) return undefined;
  return /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66))?.[0];
}

export function numberParams(sql: string): string {
  const cached = numbered.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let from = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      i++;
      while (i < sql.length && !(sql[i] === ch && sql[i + 1] !== ch)) i += sql[i] === ch ? 2 : 1;
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (ch === '$' && dollarTag(sql, i) !== undefined) {
      // A dollar-quoted string ($$…$$, $tag$…$tag$) is skipped whole, question marks and all.
      const tag = dollarTag(sql, i) as string;
      const end = sql.indexOf(tag, i + tag.length);
      i = end < 0 ? sql.length : end + tag.length;
    } else if (ch === '?') {
      out += `${sql.slice(from, i)}$${++n}`;
      i++;
      from = i;
    } else {
      i++;
    }
  }
  out += sql.slice(from);
  if (numbered.size >= 1000) numbered.clear();
  numbered.set(sql, out);
  return out;
}

/**
 * The connect timeout belongs on the client: set on the pool, pg-pool also applies it to waiting
 * for a free client, which a long transaction elsewhere in the pool may rightly make longer.
 */
export function timedClient(ms: number): pg.PoolConfig['Client'] {
  return class extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      // pg-pool keeps the password as a non-enumerable property, which a spread would drop.
      super({ ...config, password: config?.password, connectionTimeoutMillis: ms });
    }
  } as pg.PoolConfig['Client'];
}

/**
 * The server's free slots (those reserved for superusers are not counted: distdb should not need
 * them), and for roles other than superusers, who are exempt, what is left of the role's and the
 * database's CONNECTION LIMIT.
 */
export const FREE_CONNECTIONS = `WITH me AS (SELECT rolsuper, rolconnlimit FROM pg_roles WHERE rolname = current_user),
  clients AS (SELECT usename, datname FROM pg_stat_activity WHERE backend_type = 'client backend')
SELECT LEAST(
  current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
    - (SELECT count(*)::int FROM clients),
  CASE WHEN (SELECT rolsuper OR rolconnlimit < 0 FROM me) THEN NULL
    ELSE (SELECT rolconnlimit FROM me) - (SELECT count(*)::int FROM clients WHERE usename = current_user) END,
  CASE WHEN (SELECT rolsuper FROM me) OR datconnlimit < 0 THEN NULL
    ELSE datconnlimit - (SELECT count(*)::int FROM clients WHERE datname = current_database()) END
) AS n FROM pg_database WHERE datname = current_database()`;

export function explainPostgres(err: unknown, config: pg.PoolConfig): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code === '3D000') return explainCommon.missingDatabase(config.database);
  if (/^timeout expired$|connection timeout/i.test(String(e?.message ?? '')))
    return explainCommon.timedOut(config.connectionTimeoutMillis);
  return undefined;
}

/** Backend text the shared ServerConnection machinery uses. */
export const POSTGRES: ServerTraits = {
  begin: 'BEGIN',
  tableExists:
    'SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?',
  textLength:
    'SELECT character_maximum_length AS n FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?',
  defaultPort: '5432',
  twoPhase: POSTGRES_TWO_PHASE,
};
