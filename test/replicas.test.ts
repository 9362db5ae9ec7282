/**
 * Read replicas on a real PostgreSQL streaming standby that applies each commit 300 ms late
 * (.ci/servers.sh): a caller never reads its own write stale, idle reads go to the replica, a
 * lagging or stopped replica gets none (and no read fails), reads in transactions stay on the
 * primary, and a server that is not a standby of the primary is never trusted.
 */
import { type Distdb, type OpenOptions, openDistdb } from 'distdb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { serverDatabases, tempDir } from './support/deployments.js';
import { skipWithNotice } from './support/prerequisites.js';
import { sleep } from './support/processes.js';
import {
  notesReplicaReads,
  ownWriteTrials,
  REPLICA_PRIMARY,
  REPLICA_STANDBY,
  readMany,
  setUpNotes,
  standby,
  standbyControlUnavailable,
  caughtUp as waitCaughtUp,
} from './support/replicas.js';
import { POSTGRES_NODES, serverAvailable } from './support/servers.js';

type Note = { id: number; body: string };

const unreachable = [REPLICA_PRIMARY, REPLICA_STANDBY].find((s) => !serverAvailable(s));
const skip = skipWithNotice(
  'read replica suite',
  unreachable && `PostgreSQL ${unreachable.adminUrl} is not reachable (.ci/servers.sh starts it)`,
);

describe.skipIf(skip)('read replicas (PostgreSQL streaming standby)', () => {
  let dir = '';
  let primaryUrl = '';
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
  /** A plain read on the standby itself, bypassing distdb. */
  const onStandby = async (id: number) => {
    const c = new pg.Client({ connectionString: replicaUrl });
    await c.connect();
    try {
      return (await c.query('SELECT body FROM notes WHERE id = $1', [id])).rows[0]?.body as
        | string
        | undefined;
    } finally {
      await c.end();
    }
  };
  const caughtUp = () => waitCaughtUp(dir, 10);

  beforeAll(async () => {
    dir = tempDir('distdb-replicas-');
    const made = await serverDatabases(REPLICA_PRIMARY, ['notes']);
    drop = made.drop;
    primaryUrl = made.notes as string;
    replicaUrl = primaryUrl.replace(REPLICA_PRIMARY.adminUrl, REPLICA_STANDBY.adminUrl);
    await setUpNotes(dir, { primary: primaryUrl, replica: replicaUrl }, open, true);
    await caughtUp();
  }, 120_000);

  afterAll(async () => {
    for (const db of opened) await db.close().catch(() => {});
    await drop();
  });

  it('1,000 write-then-read trials by one caller read no write stale, though the standby lags 300 ms', async () => {
    const db = await open();
    const stale = await ownWriteTrials(db, 1000);
    expect(stale).toBe(0);
    // The standby really is behind: read there directly, the last write is not in it yet.
    expect(await onStandby(1000)).toBeUndefined();
  });

  it('another caller may read stale; a caller waiting up to waitMs reads its write from the replica', async () => {
    await caughtUp();
    const db = await open({ replicas: { notes: { urls: [replicaUrl], waitMs: 2000 } } });
    // Its replica serves from its first check on (before, nothing is known of its lag).
    while (!(await db.replicaStatus())[0]?.serving) await sleep(50);
    let otherStale = 0;
    let ownStale = 0;
    const before = await replicaReads(db);
    for (let i = 2001; i <= 2020; i++) {
      let wrote = () => {};
      const written = new Promise<void>((resolve) => {
        wrote = resolve;
      });
      // A caller of its own, who wrote nothing: the replica serves it at once, with or without the write.
      const other = db.session(async () => {
        await written;
        return db.get(Note(db), i);
      });
      await db.session(async () => {
        expect((await db.insert(Note(db), { id: i, body: `w${i}` })).ok).toBe(true);
        wrote();
        if ((await db.get(Note(db), i))?.body !== `w${i}`) ownStale++;
        // A session begun inside it reads what it wrote before, too.
        if ((await db.session(() => db.get(Note(db), i)))?.body !== `w${i}`) ownStale++;
      });
      if (!(await other)) otherStale++;
    }
    expect(ownStale).toBe(0);
    // Every read went to the replica: the other callers' at once (so they missed the write), the writer's after waiting.
    expect(await replicaReads(db)).toBe(before + 60);
    expect(otherStale).toBeGreaterThan(12);
  });

  it('with no recent writes, at least 90% of 10,000 reads by 16 readers are served by the replica', async () => {
    await caughtUp();
    const db = await open();
    const failures = await readMany(10_000, 16, async (i) => {
      const id = 1 + (i % 1000);
      const got = (await db.get(Note(db), id)) as Note | undefined;
      if (got?.id !== id) throw new Error(`read ${i}: note ${id} not found`);
    });
    expect(failures).toEqual([]);
    const [counts] = await db.replicaReads();
    expect(counts?.replicas['notes.replica1']).toBeGreaterThanOrEqual(9000);
    expect((counts?.replicas['notes.replica1'] ?? 0) + (counts?.primary ?? 0)).toBe(10_000);
    console.log(
      `[replicas] idle reads: ${counts?.replicas['notes.replica1']} of 10,000 served by the replica`,
    );
  });

  it('a replica further behind than maxLagMs gets no reads until it catches up', async () => {
    await caughtUp();
    const reader = await open({ replicas: { notes: { urls: [replicaUrl], maxLagMs: 100 } } });
    const writer = await open();
    let writing = true;
    const writes = (async () => {
      for (let i = 100_001; writing; i++) await writer.insert(Note(writer), { id: i, body: 'lag' });
    })();
    await sleep(1000);
    // The standby is now ~300 ms behind a primary that keeps writing: more than 100 ms.
    const before = await replicaReads(reader);
    const failures = await readMany(500, 4, async () => {
      await reader.count(Note(reader));
    });
    writing = false;
    await writes;
    expect(failures).toEqual([]);
    expect(await replicaReads(reader)).toBe(before);
    const [status] = await reader.replicaStatus();
    expect(status?.health).toBe('standby');
    await caughtUp();
    // Within a poll or two, the replica serves the reader again.
    const started = Date.now();
    while ((await replicaReads(reader)) < before + 100 && Date.now() - started < 5000)
      await reader.count(Note(reader));
    expect(await replicaReads(reader)).toBeGreaterThanOrEqual(before + 100);
  });

  it("a caller's write to another database does not hold its reads of this one back", async () => {
    await caughtUp();
    const db = await open();
    const writer = await open();
    while (!(await db.replicaStatus())[0]?.serving) await sleep(50);
    let writing = true;
    // Another caller keeps writing notes: the standby stays ~300 ms behind the notes primary.
    const writes = (async () => {
      for (let i = 200_001; writing; i++) await writer.insert(Note(writer), { id: i, body: 'busy' });
    })();
    await sleep(500);
    const before = await replicaReads(db);
    for (let i = 1; i <= 20; i++) {
      expect((await db.insert(db.model('Tag'), { id: i, label: `t${i}` })).ok).toBe(true);
      expect(await db.get(Note(db), i)).toBeDefined();
    }
    const afterTags = await replicaReads(db);
    // A note written by this caller: its next read needs the notes replica to have it.
    expect((await db.insert(Note(db), { id: 900_201, body: 'own' })).ok).toBe(true);
    expect(await db.get(Note(db), 900_201)).toBeDefined();
    writing = false;
    await writes;
    expect(afterTags).toBe(before + 20);
    expect(await replicaReads(db)).toBe(afterTags);
  });

  it('reads inside transaction and atomic never go to a replica', async () => {
    await caughtUp();
    const db = await open();
    const other = await open();
    const before = await replicaReads(db);
    for (let i = 900_001; i <= 900_020; i++) {
      // Written by another caller: the replica has not replayed it, the primary has.
      expect((await other.insert(Note(other), { id: i, body: 't' })).ok).toBe(true);
      const seen = await db.transaction('notes', async (tx) => [
        await tx.get(Note(db), i),
        await tx.count(Note(db)),
      ]);
      expect(seen[0]).toBeDefined();
      const atomicSeen = await db.atomic(async (tx) => tx.find(Note(db), { where: { id: i } }));
      expect(atomicSeen).toHaveLength(1);
    }
    expect(await replicaReads(db)).toBe(before);
  });

  it("a router may answer a replica for a model's reads; transactions and atomic still read the primary", async () => {
    await caughtUp();
    const router = {
      name: 'replica-reads',
      dbForRead: (model: string) => (model === 'Note' ? 'notes.replica1' : undefined),
    };
    const db = await open({ routers: [router] });
    expect(db.readAlias(Note(db))).toBe('notes');
    while (!(await db.replicaStatus())[0]?.serving) await sleep(50);
    for (let i = 1; i <= 50; i++) expect(await db.get(Note(db), i)).toBeDefined();
    expect(await replicaReads(db)).toBe(50);
    // Its own write: the primary answers until the replica has it.
    expect((await db.insert(Note(db), { id: 900_101, body: 'r' })).ok).toBe(true);
    expect(await db.get(Note(db), 900_101)).toBeDefined();
    expect(await db.transaction('notes', (tx) => tx.get(Note(db), 900_101))).toBeDefined();
    expect(await db.atomic((tx) => tx.count(Note(db), { where: { id: 900_101 } }))).toBe(1);
    expect(await replicaReads(db)).toBe(50);
  });

  it('a server that is not a standby of the primary gets no reads, and says why', async () => {
    // The primary itself is no standby; the main cluster's database of that name holds other data.
    const other = await serverDatabases(POSTGRES_NODES[0] ?? REPLICA_PRIMARY, ['notes']);
    try {
      const db = await open({ replicas: { notes: [primaryUrl, other.notes as string] } });
      for (let i = 0; i < 50; i++) expect(await db.get(Note(db), 1)).toBeDefined();
      const status = await db.replicaStatus();
      expect(status.map((s) => [s.replica, s.health, s.serving, s.reads])).toEqual([
        ['notes.replica1', 'promoted', false, 0],
        ['notes.replica2', 'other_data', false, 0],
      ]);
      expect(status[0]?.problem).toMatch(/not a standby/);
    } finally {
      for (const db of opened.splice(0)) await db.close().catch(() => {});
      await other.drop();
    }
  });

  it('distdb databases shows each replica: reachable, lag in ms and bytes', async () => {
    await caughtUp();
    const r = await runCli(['databases', '--json'], { cwd: dir, env: {} });
    expect(r.code, r.stderr).toBe(0);
    const [, notes] = JSON.parse(r.stdout) as { alias: string; replicas?: Record<string, unknown>[] }[];
    expect(notes?.replicas).toEqual([
      expect.objectContaining({
        replica: 'notes.replica1',
        health: 'standby',
        serving: true,
        lagMs: 0,
        lagBytes: 0,
      }),
    ]);
    const text = await runCli(['databases'], { cwd: dir, env: {} });
    expect(text.stdout).toMatch(/replicas:\n.*\n.*notes\.replica1 .*serving +0 ms +0 B/);
  });

  describe.skipIf(skipWithNotice('replica outage test', standbyControlUnavailable()))('outage', () => {
    it('the standby stopped in the middle of 10,000 reads fails none; restarted, it serves again within seconds', async () => {
      await caughtUp();
      const db = await open();
      let stopped: Promise<void> | undefined;
      try {
        const failures = await readMany(10_000, 16, async (i) => {
          if (i === 3000) stopped = standby('stop');
          const id = 1 + (i % 1000);
          const got = (await db.get(Note(db), id)) as Note | undefined;
          if (got?.id !== id) throw new Error(`read ${i}: note ${id} not found`);
        });
        await stopped;
        expect(failures).toEqual([]);
        const [counts] = await db.replicaReads();
        expect(counts?.replicas['notes.replica1']).toBeGreaterThan(1000);
        expect(counts?.primary).toBeGreaterThan(1000);
        console.log(
          `[replicas] outage: ${counts?.replicas['notes.replica1']} reads by the replica, ${counts?.primary} by the primary (${counts?.fallbacks} of them after the replica failed them), 0 failed`,
        );
        const [down] = await db.replicaStatus();
        expect(down?.health).toBe('unreachable');
      } finally {
        await stopped?.catch(() => {});
        await standby('start');
      }
      const started = Date.now();
      const before = await replicaReads(db);
      while ((await replicaReads(db)) === before) {
        expect(Date.now() - started).toBeLessThan(10_000);
        await db.get(Note(db), 1);
        await sleep(20);
      }
      console.log(`[replicas] the restarted standby served reads again after ${Date.now() - started} ms`);
    });
  });
  it('the simulate report shows each replica: its state after the run and the reads it served', async () => {
    await caughtUp();
    const args = [
      'simulate',
      '--dataset',
      'generated',
      '--records',
      '300',
      '--reset',
      '--yes',
      '--threads',
      '2',
    ];
    const r = runCli([...args, '--json', '--no-progress'], { cwd: dir, env: {} });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      replicas?: { database: string; primaryReads: number; replicas: Record<string, unknown>[] }[];
    };
    expect(report.replicas).toEqual([
      {
        database: 'notes',
        primaryReads: expect.any(Number),
        replicas: [
          expect.objectContaining({
            replica: 'notes.replica1',
            health: 'standby',
            reads: expect.any(Number),
          }),
        ],
      },
    ]);
    const text = runCli(['report', 'latest'], { cwd: dir, env: {} });
    expect(text.stdout).toMatch(
      /Read replicas of notes: notes\.replica1 (serving|behind)(, lag \d+ ms)?, \d+ reads; the primary served \d+ reads/,
    );
    const md = runCli(['report', 'latest', '--format', 'md'], { cwd: dir, env: {} });
    expect(md.stdout).toMatch(/## Read replicas\n\n\| database \| replica \| state/);
  });
});
