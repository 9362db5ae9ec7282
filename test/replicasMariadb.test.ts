/**
 * Read replicas on a real MariaDB replica applying each transaction 1 s late (GTID positions,
 * .ci/mariadb-pair.sh): a caller never reads its own write stale, idle reads go to the replica,
 * a stopped replica fails no read, reads in transactions stay on the primary, and a server that
 * is not a replica of the primary is never read.
 */
import { type Distdb, type OpenOptions, openDistdb } from 'distdb';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { serverDatabases, tempDir } from './support/deployments.js';
import { skipWithNotice } from './support/prerequisites.js';
import { sleep } from './support/processes.js';
import {
  MARIADB_PRIMARY,
  MARIADB_REPLICA,
  mariadbReplica,
  mariadbReplicaControlUnavailable,
  notesReplicaReads,
  ownWriteTrials,
  readMany,
  setUpNotes,
  caughtUp as waitCaughtUp,
} from './support/replicas.js';
import { serverAvailable } from './support/servers.js';

const unreachable = [MARIADB_PRIMARY, MARIADB_REPLICA].find((s) => !serverAvailable(s));
const skip = skipWithNotice(
  'MariaDB read replica suite',
  unreachable && `MariaDB ${unreachable.adminUrl} is not reachable (.ci/servers.sh starts it)`,
);
const noControl = skip ? undefined : mariadbReplicaControlUnavailable();

describe.skipIf(skip)('read replicas (MariaDB replica, GTID positions)', () => {
  let dir = '';
  let replicaUrl = '';
  let drop = async () => {};
  const opened: Distdb[] = [];
  const open = async (options: Partial<OpenOptions> = {}) => {
    const db = await openDistdb({ env: {}, cwd: dir, ...options });
    opened.push(db);
    return db;
  };
  const Note = (db: Distdb) => db.model('Note');
  const replicaReads = notesReplicaReads;
  /** A plain read on the replica itself, bypassing distdb. */
  const onReplica = async (id: number) => {
    const c = await mysql.createConnection(replicaUrl);
    try {
      const [rows] = await c.query('SELECT body FROM notes WHERE id = ?', [id]);
      return (rows as { body: string }[])[0]?.body;
    } finally {
      await c.end();
    }
  };
  const caughtUp = () => waitCaughtUp(dir, 15);

  beforeAll(async () => {
    dir = tempDir('distdb-replicas-mariadb-');
    // Made on the primary: the database and its tables reach the replica as the log does.
    const made = await serverDatabases(MARIADB_PRIMARY, ['notes']);
    drop = made.drop;
    const primaryUrl = made.notes as string;
    replicaUrl = primaryUrl.replace(MARIADB_PRIMARY.adminUrl, MARIADB_REPLICA.adminUrl);
    await setUpNotes(dir, { primary: primaryUrl, replica: replicaUrl }, open);
    await caughtUp();
  }, 120_000);

  afterAll(async () => {
    for (const db of opened) await db.close().catch(() => {});
    await drop();
  });

  it('200 write-then-read trials by one caller read no write stale, though the replica lags 1 s', async () => {
    // Lag allowed well past the delay: the replica keeps serving, and only the caller's
    // positions keep its reads off it until it has applied the writes.
    const replicas = { notes: { urls: [replicaUrl], maxLagMs: 30_000 } };
    const db = await open({ replicas });
    // A caller that writes nothing, its replica serving from the start.
    const other = await open({ replicas });
    while (!(await other.replicaStatus())[0]?.serving) await sleep(20);
    const stale = await ownWriteTrials(db, 200);
    expect(stale).toBe(0);
    // The replica really is behind, and serving: the other caller is served by it, and misses
    // the last write.
    expect(await other.get(Note(other), 200)).toBeUndefined();
    expect(await replicaReads(other)).toBe(1);
    expect(await onReplica(200)).toBeUndefined();
  });

  it('with no recent writes, at least 90% of 2,000 reads by 16 readers are served by the replica', async () => {
    await caughtUp();
    const db = await open();
    const failures = await readMany(2_000, 16, async (i) => {
      const id = 1 + (i % 200);
      if ((await db.get(Note(db), id))?.id !== id) throw new Error(`read ${i}: note ${id} not found`);
    });
    expect(failures).toEqual([]);
    const served = await replicaReads(db);
    console.log(`MariaDB replica: ${served} of 2,000 idle reads served by the replica`);
    expect(served).toBeGreaterThanOrEqual(1_800);
  });

  it('reads inside transaction and atomic never go to a replica', async () => {
    await caughtUp();
    const db = await open();
    const other = await open();
    const before = await replicaReads(db);
    for (let i = 900_001; i <= 900_010; i++) {
      // Written by another caller: the replica has not applied it, the primary has.
      expect((await other.insert(Note(other), { id: i, body: 't' })).ok).toBe(true);
      expect(await db.transaction('notes', (tx) => tx.get(Note(db), i))).toBeDefined();
      expect(await db.atomic((tx) => tx.find(Note(db), { where: { id: i } }))).toHaveLength(1);
    }
    expect(await replicaReads(db)).toBe(before);
  });

  it('a server that is not a replica of the primary gets no reads, and says why', async () => {
    const primary = replicaUrl.replace(MARIADB_REPLICA.adminUrl, MARIADB_PRIMARY.adminUrl);
    const db = await open({ replicas: { notes: [primary] } });
    for (let i = 1; i <= 20; i++) expect(await db.get(Note(db), i)).toBeDefined();
    const [s] = await db.replicaStatus();
    expect(s).toMatchObject({ health: 'promoted', serving: false, reads: 0 });
  });

  it('distdb databases shows the replica: serving, lag in ms and in transactions', async () => {
    await caughtUp();
    const r = runCli(['databases', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const notes = (JSON.parse(r.stdout) as { alias: string; replicas?: Record<string, unknown>[] }[]).find(
      (d) => d.alias === 'notes',
    );
    expect(notes?.replicas?.[0]).toMatchObject({
      replica: 'notes.replica1',
      serving: true,
      lagTransactions: 0,
    });
    expect(notes?.replicas?.[0]).not.toHaveProperty('lagBytes');
    const text = runCli(['databases'], { cwd: dir });
    expect(text.stdout).toMatch(/notes\.replica1 .* serving .* 0 tx/);
  });

  it.skipIf(noControl !== undefined)(
    'the replica stopped in the middle of 2,000 reads fails none; restarted, it serves again within seconds',
    async () => {
      await caughtUp();
      const db = await open();
      let stopped: Promise<void> | undefined;
      try {
        const failures = await readMany(2_000, 16, async (i) => {
          if (i === 700) stopped = mariadbReplica('stop');
          const id = 1 + (i % 200);
          if ((await db.get(Note(db), id))?.id !== id) throw new Error(`read ${i}: note ${id} not found`);
        });
        await stopped;
        expect(failures).toEqual([]);
        const [down] = await db.replicaStatus();
        expect(down?.serving).toBe(false);
      } finally {
        await mariadbReplica('start');
      }
      const back = Date.now();
      const before = await replicaReads(db);
      while ((await replicaReads(db)) === before && Date.now() - back < 10_000) {
        await db.get(Note(db), 1);
        await sleep(20);
      }
      console.log(`MariaDB replica: serving again ${Date.now() - back} ms after its start returned`);
      expect(await replicaReads(db)).toBeGreaterThan(before);
    },
    60_000,
  );
});
