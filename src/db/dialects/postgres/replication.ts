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
  // A standby made from a base backup keeps its primary's system identifier.
  identity: async (conn) =>
    String(
      (
        await one(
          conn,
          "SELECT system_identifier::text || '/' || current_database() AS i FROM pg_control_system()",
        )
      ).i,
    ),
  distance: (from, to) => Number(bytes(to) - bytes(from)),
};
