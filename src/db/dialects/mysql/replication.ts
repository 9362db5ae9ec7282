import type { Connection, Replication } from '../../dialect.js';

/** A GTID position (`0-3307-12,1-3308-4`) as the last sequence number of each replication domain. */
function domains(position: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const gtid of position.split(',')) {
    const [domain, server, seq] = gtid.trim().split('-');
    if (domain && server && seq && /^\d+$/.test(seq)) out.set(domain, BigInt(seq));
  }
  return out;
}

/**
 * Transactions from `from` to `to`, domain by domain: negative (as many as `to` lacks) when `to`
 * is behind in any domain, so that `>= 0` means `to` holds everything `from` holds.
 */
function distance(from: string, to: string): number {
  const [a, b] = [domains(from), domains(to)];
  let ahead = 0n;
  let behind = 0n;
  for (const [domain, seq] of a) {
    const there = b.get(domain) ?? 0n;
    if (there < seq) behind += seq - there;
    else ahead += there - seq;
  }
  for (const [domain, seq] of b) if (!a.has(domain)) ahead += seq;
  return behind > 0n ? -Number(behind) : Number(ahead);
}

async function rows(conn: Connection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runCompiled(sql, [])).rows;
}

/** ER_SPECIFIC_ACCESS_DENIED_ERROR: the statement needs a privilege the user lacks. */
function denied(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause)
    if ((e as { errno?: unknown }).errno === 1227) return true;
  return false;
}

/**
 * The server's replication from a primary (`SHOW SLAVE STATUS`, which needs REPLICA MONITOR or
 * REPLICATION CLIENT), if it has one. `asPrimary`: a user without the privilege is taken to be
 * on a primary, which needs only its server id.
 */
async function replicaOf(conn: Connection, asPrimary = false): Promise<Record<string, unknown> | undefined> {
  try {
    return (await rows(conn, 'SHOW SLAVE STATUS'))[0];
  } catch (err) {
    if (asPrimary && denied(err)) return undefined;
    throw err;
  }
}

/**
 * MariaDB replication with GTIDs: a position is `@@gtid_binlog_pos` on the primary, and what a
 * replica has applied (what its readers see) is `@@gtid_slave_pos`. A server with no replication
 * set up (`SHOW SLAVE STATUS` empty: promoted, say) is no standby. Distances count transactions.
 */
export const mariadbReplication: Replication = {
  unit: 'transactions',
  position: async (conn) => String((await rows(conn, 'SELECT @@gtid_binlog_pos AS p'))[0]?.p ?? ''),
  async standby(conn) {
    if (!(await replicaOf(conn))) return { standby: false };
    const [r] = await rows(conn, 'SELECT @@gtid_slave_pos AS p');
    return { standby: true, replayed: String(r?.p ?? '') };
  },
  // A replica names the server id of the primary it reads (0 until it has reached it once).
  async identity(conn) {
    const of = await replicaOf(conn, true);
    const [r] = await rows(conn, 'SELECT @@server_id AS s, DATABASE() AS d');
    return `${of ? String(of.Master_Server_Id) : String(r?.s)}/${String(r?.d)}`;
  },
  distance,
};
