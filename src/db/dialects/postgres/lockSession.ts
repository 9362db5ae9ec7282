import { createHash } from 'node:crypto';
import pg from 'pg';
import { type LockSession, watchSession } from '../shared/lockSession.js';
import { isLockTimeout } from './errors.js';

/**
 * The two-key advisory lock (two int4 from SHA-256 of the name) of `holdLock`: 64 bits, and a
 * key space of its own, which the one-key locks (`withLock`'s) can never meet.
 */
export function heldLockKey(name: string): [number, number] {
  const digest = createHash('sha256').update(name).digest();
  return [digest.readInt32BE(0), digest.readInt32BE(4)];
}

/**
 * A session advisory lock held by a client of its own, outside the pool (a pool of one would
 * otherwise deadlock). Advisory locks are per database. `acquire` keeps the one-key
 * `hashtext(name)` lock that migrations have always been serialized by, so an older distdb
 * migrating the same database still waits for this one.
 */
export async function openPostgresLockSession(config: pg.ClientConfig, name: string): Promise<LockSession> {
  const client = new pg.Client(config);
  const watch = watchSession(client);
  await client.connect();
  const key = heldLockKey(name);
  let held: 'waited' | 'tried' | undefined;
  return {
    acquire: async () => {
      try {
        await client.query("SET lock_timeout = '60s'");
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
        held = 'waited';
        return true;
      } catch (err) {
        if (isLockTimeout(err)) return false;
        throw err;
      }
    },
    tryAcquire: async () => {
      const r = await client.query('SELECT pg_try_advisory_lock($1::int, $2::int)::int AS got', key);
      held = Number(r.rows[0]?.got) === 1 ? 'tried' : undefined;
      return held === 'tried';
    },
    release: () =>
      held === 'tried'
        ? client.query('SELECT pg_advisory_unlock($1::int, $2::int)', key)
        : client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]),
    end: () => {
      watch.ending();
      return client.end();
    },
    lost: watch.lost,
  };
}

/** Granted two-key advisory locks live in pg_locks (readable by every role), per database. */
export const HELD_LOCK_QUERY = `SELECT 1 AS held FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND objsubid = 2
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND classid = ?::int::oid AND objid = ?::int::oid`;
