import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type Distdb, openDistdb } from 'distdb';
import { expect } from 'vitest';
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

const DIST_INDEX = pathToFileURL(resolve(import.meta.dirname, '../../dist/index.js')).href;

/**
 * The replica suites' deployment in `dir`: Note in `notes` on `primaryUrl`, with one replica at
 * `replicaUrl` (and, with `tag`, Tag in `default`), migrated through a deployment `open` gives.
 */
export async function setUpNotes(
  dir: string,
  urls: { primary: string; replica: string },
  open: () => Promise<Distdb>,
  tag = false,
): Promise<void> {
  const tagModel = `const Tag = defineModel({ name: 'Tag', table: 'tags', fields: { id: f.id(), label: f.text({ maxLength: 20 }) } });\n`;
  writeFileSync(
    join(dir, 'distdb.config.mjs'),
    `import { defineModel, f } from '${DIST_INDEX}';
const Note = defineModel({ name: 'Note', table: 'notes', fields: { id: f.id(), body: f.text({ maxLength: 100 }) } });
${tag ? tagModel : ''}export default {
  models: [Note${tag ? ', Tag' : ''}],
  databases: { default: 'sqlite:${join(dir, 'default.db')}', notes: '${urls.primary}' },
  routes: { Note: 'notes'${tag ? ", Tag: 'default'" : ''} },
  replicas: { notes: ['${urls.replica}'] },
};
`,
  );
  const db = await open();
  await db.makeMigrations();
  for (const r of await db.migrate()) if (r.status !== 'ok') throw new Error(`${r.alias}: ${r.error}`);
}

/**
 * `trials` rounds by one caller: an insert, then an update of the note before it, each read back
 * at once. How many of those reads missed the write just made.
 */
export async function ownWriteTrials(db: Distdb, trials: number): Promise<number> {
  const Note = db.model('Note');
  let stale = 0;
  for (let i = 1; i <= trials; i++) {
    expect((await db.insert(Note, { id: i, body: `v${i}` })).ok).toBe(true);
    if ((await db.get(Note, i))?.body !== `v${i}`) stale++;
    if (i > 1) {
      expect((await db.update(Note, i - 1, { body: `u${i - 1}` })).ok).toBe(true);
      if ((await db.get(Note, i - 1))?.body !== `u${i - 1}`) stale++;
    }
  }
  return stale;
}
