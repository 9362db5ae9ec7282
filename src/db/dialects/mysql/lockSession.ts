import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import { type LockSession, watchSession } from '../shared/lockSession.js';

const LOCK_TIMEOUT_SECONDS = 60;

/**
 * GET_LOCK names are server-wide, so the name includes the database; MySQL limits them to 64
 * characters, so a longer one is hashed.
 */
export function serverLockName(config: ConnectionOptions, name: string): string {
  const full = `distdb:${config.database ?? ''}:${name}`;
  return full.length <= 64 ? full : `distdb:${createHash('sha256').update(full).digest('hex').slice(0, 56)}`;
}

/** GET_LOCK on a connection of its own, outside the pool. */
export async function openMysqlLockSession(config: ConnectionOptions, name: string): Promise<LockSession> {
  const conn = await mysql.createConnection(config);
  const watch = watchSession(conn);
  const lock = serverLockName(config, name);
  const take = async (seconds: number) => {
    const [rows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [lock, seconds]);
    return Number((rows as { got: unknown }[])[0]?.got) === 1;
  };
  return {
    acquire: () => take(LOCK_TIMEOUT_SECONDS),
    tryAcquire: () => take(0),
    release: () => conn.query('SELECT RELEASE_LOCK(?)', [lock]),
    end: () => {
      watch.ending();
      return conn.end();
    },
    lost: watch.lost,
  };
}
