import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Distdb, openDistdb } from 'distdb';
import { pgVersion } from './pgCluster.js';
import { findProgram } from './prerequisites.js';
import type { ServerBackend } from './servers.js';

/** The primary .ci/servers.sh gives a streaming standby, and that standby (300 ms apply delay). */
export const REPLICA_PRIMARY: ServerBackend = {
  backend: 'postgres',
  adminUrl: process.env.DISTDB_TEST_REPLICA_PRIMARY_URL ?? 'postgres://postgres@127.0.0.1:5436',
};
export const REPLICA_STANDBY: ServerBackend = {
  backend: 'postgres',
  adminUrl: process.env.DISTDB_TEST_REPLICA_URL ?? 'postgres://postgres@127.0.0.1:5437',
};
/** The standby's Debian cluster name, for stopping and starting it. */
const STANDBY_CLUSTER = process.env.DISTDB_TEST_REPLICA_CLUSTER ?? 'replica_standby';

/** Why the standby cannot be stopped and started here, or undefined when it can. */
export function standbyControlUnavailable(): string | undefined {
  if (!findProgram('pg_ctlcluster')) return "pg_ctlcluster not found on PATH (Debian's postgresql-common)";
  if (!pgVersion()) return 'no PostgreSQL version under /etc/postgresql';
  if (!existsSync(`/etc/postgresql/${pgVersion()}/${STANDBY_CLUSTER}`))
    return `no PostgreSQL cluster ${STANDBY_CLUSTER} (made by .ci/servers.sh)`;
  if (process.getuid?.() !== 0) return 'pg_ctlcluster needs root';
  return undefined;
}

/** Stops (fast: connections are cut) or starts the standby, without blocking the test's reads. */
export async function standby(action: 'stop' | 'start'): Promise<void> {
  const args = ['--skip-systemctl-redirect', pgVersion() as string, STANDBY_CLUSTER, action];
  await promisify(execFile)('pg_ctlcluster', action === 'stop' ? [...args, '-m', 'fast'] : args, {
    timeout: 60_000,
  });
}

/** The MariaDB primary .ci/mariadb-pair.sh gives a replica, and that replica (1 s apply delay). */
export const MARIADB_PRIMARY: ServerBackend = {
  backend: 'mysql',
  adminUrl: process.env.DISTDB_TEST_MARIADB_PRIMARY_URL ?? 'mysql://root@127.0.0.1:3307',
};
export const MARIADB_REPLICA: ServerBackend = {
  backend: 'mysql',
  adminUrl: process.env.DISTDB_TEST_MARIADB_REPLICA_URL ?? 'mysql://root@127.0.0.1:3308',
};
const PAIR = resolve(import.meta.dirname, '../../.ci/mariadb-pair.sh');

/** Why the MariaDB replica cannot be stopped and started here, or undefined when it can. */
export function mariadbReplicaControlUnavailable(): string | undefined {
  if (!findProgram('start-stop-daemon')) return 'start-stop-daemon not found on PATH';
  if (!existsSync('/var/lib/distdb-mariadb-replica')) return 'no MariaDB replica (made by .ci/servers.sh)';
  if (process.getuid?.() !== 0) return 'starting mariadbd needs root';
  return undefined;
}

/** Stops or starts the MariaDB replica (.ci/mariadb-pair.sh), without blocking the test's reads. */
export async function mariadbReplica(action: 'stop' | 'start'): Promise<void> {
  await promisify(execFile)('bash', [PAIR, action, 'replica'], { timeout: 60_000 });
}

/** Runs `read` `total` times over `readers` concurrent callers; returns the failures. */
export async function readMany(
  total: number,
  readers: number,
  read: (i: number) => Promise<void>,
): Promise<unknown[]> {
  let next = 0;
  const failures: unknown[] = [];
  await Promise.all(
    Array.from({ length: readers }, async () => {
      while (next < total) await read(next++).catch((err: unknown) => failures.push(err));
    }),
  );
  return failures;
}

/** Reads served by the replica of `notes`, the replica suites' one database with a replica. */
export async function notesReplicaReads(db: Distdb): Promise<number> {
  return (await db.replicaReads())[0]?.replicas['notes.replica1'] ?? 0;
}

/** Waits until the deployment in `cwd` has its replica serving, with nothing left to apply. */
export async function caughtUp(cwd: string, seconds: number): Promise<void> {
  const db = await openDistdb({ env: {}, cwd });
  try {
    for (const t = Date.now(); Date.now() - t < seconds * 1000; ) {
      const [s] = await db.replicaStatus();
      if (s?.serving && (s.lagBytes ?? s.lagTransactions) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the replica did not catch up within ${seconds} s`);
  } finally {
    await db.close();
  }
}
