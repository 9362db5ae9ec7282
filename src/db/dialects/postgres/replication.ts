import type { Connection, Replication } from '../../dialect.js';

/** An LSN (`16/B374D848`: two hex halves of a 64-bit position) as a number of bytes. */
function bytes(lsn: string): bigint {
  const [high = '0', low = '0'] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

async function one(conn: Connection, sql: string): Promise<Record<string, unknown>> {
  const { rows } = await conn.runCompiled(sql, []);
  return rows[0] ?? {};
}

/**
 * Which data a server holds, and which history of it: a standby made from a base backup keeps
 * its primary's system identifier; the timeline tells it from a sibling promoted after a
 * failover (same identifier, a history of its own from the fork on). A primary's timeline is
 * the one it writes (the first 8 hex digits of its WAL file's name); a standby's, the one its
 * WAL receiver streams (visible to superusers and pg_read_all_stats), else that of its last
 * restartpoint.
 */
const IDENTITY = `SELECT system_identifier::text || '/' || current_database() || '/' || CASE
  WHEN pg_is_in_recovery() THEN coalesce(
    (SELECT received_tli FROM pg_stat_wal_receiver), (SELECT timeline_id FROM pg_control_checkpoint()))
  ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END::text AS i
FROM pg_control_system()`;

/**
 * Streaming replication: positions are LSNs; a standby is a server in recovery, and what it has
 * replayed is what its readers see.
 */
export const postgresReplication: Replication = {
  unit: 'bytes',
  position: async (conn) => String((await one(conn, 'SELECT pg_current_wal_lsn()::text AS p')).p),
  async standby(conn) {
    const r = await one(conn, 'SELECT pg_is_in_recovery()::int AS s, pg_last_wal_replay_lsn()::text AS p');
    const standby = Number(r.s) === 1;
    return standby && typeof r.p === 'string' ? { standby, replayed: r.p } : { standby };
  },
  identity: async (conn) => String((await one(conn, IDENTITY)).i),
  distance: (from, to) => Number(bytes(to) - bytes(from)),
};
