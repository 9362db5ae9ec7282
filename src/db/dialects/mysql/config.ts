/** How distdb connects to MySQL/MariaDB: session settings and pool options from the URL. */
import type { ConnectionOptions, PoolOptions } from 'mysql2/promise';
import { DistdbError } from '../../../errors.js';
import { truncate } from '../../../util/text.js';
import type { ConnectOptions } from '../../dialect.js';
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
import { MYSQL_TWO_PHASE } from './twoPhase.js';

/**
 * Every session: strict (a bad value is an error, never silently coerced), `||` concatenates as
 * in portable SQL, and backslash escapes stay on, which the driver's client-side escaping assumes.
 */
export const SQL_MODE = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT';

/** `?ssl=true|false|skip-verify`, or libpq/MySQL style `?sslmode=` / `?ssl-mode=`; `?sslca=PATH`. */
function sslOption(url: DatabaseUrl, params: URLSearchParams): ConnectionOptions['ssl'] {
  const raw = params.get('ssl') ?? params.get('sslmode') ?? params.get('ssl-mode');
  if (raw === null) return undefined;
  const mode = raw.toLowerCase().replace(/_/g, '-');
  let ssl: { rejectUnauthorized: boolean; ca?: string };
  if (['false', '0', 'disable', 'disabled', 'prefer', 'preferred'].includes(mode)) return undefined;
  if (['true', '1', 'verify-full', 'verify-identity', 'verify-ca'].includes(mode))
    ssl = { rejectUnauthorized: true };
  else if (['skip-verify', 'no-verify', 'require', 'required'].includes(mode))
    ssl = { rejectUnauthorized: false };
  else
    throw new DistdbError(
      'config',
      `${url.redacted}: ssl=${truncate(raw)} is not true, false or skip-verify`,
    );
  const ca = params.get('sslca') ?? params.get('ssl-ca');
  if (ca !== null) ssl.ca = readCaFile(url, ca, 'sslca');
  return ssl;
}

/** `mysql://user:password@host:port/database?ssl=...&pool=...` (also `mariadb://`). */
export function mysqlConfig(url: DatabaseUrl): ConnectionOptions {
  const u = parseServerUrl(url);
  const params = u.searchParams;
  return {
    ...serverTarget(url, u),
    socketPath: params.get('socket') ?? undefined,
    ssl: sslOption(url, params),
    connectTimeout: timeoutMs(url, params, 'connect_timeout'),
    charset: 'UTF8MB4_UNICODE_CI',
    // Integers come back as numbers (as strings only beyond 2^53); DECIMAL stays exact text.
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: false,
    // DATETIME comes back as the text stored, the UTC wall time (the connection makes it ISO):
    // as a Date it would be read in the process's zone. Dates sent, should any be, go as UTC.
    dateStrings: true,
    timezone: 'Z',
    enableKeepAlive: true,
  };
}

/** The pool size comes from the options or `?pool=` / `?connectionLimit=`. */
export function mysqlPoolConfig(url: DatabaseUrl, options?: ConnectOptions): PoolOptions {
  const params = parseServerUrl(url).searchParams;
  return {
    ...mysqlConfig(url),
    connectionLimit: poolSize(url, params, ['pool', 'connectionLimit', 'pool_size'], options),
    waitForConnections: true,
  };
}

export function explainMysql(err: unknown, config: ConnectionOptions): string | undefined {
  const e = err as { errno?: unknown; code?: unknown } | null;
  if (e?.errno === 1049) return explainCommon.missingDatabase(config.database);
  if (e?.code === 'ETIMEDOUT') return explainCommon.timedOut(config.connectTimeout);
  return undefined;
}

/** Backend text the shared ServerConnection machinery uses. */
export const MYSQL: ServerTraits = {
  begin: 'START TRANSACTION',
  tableExists:
    'SELECT 1 AS found FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
  textLength:
    'SELECT character_maximum_length AS n FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?',
  defaultPort: '3306',
  twoPhase: MYSQL_TWO_PHASE,
};
