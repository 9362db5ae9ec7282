/**
 * A standby repointed, after a failover, to a sibling of its primary (another standby, promoted
 * on a new timeline) keeps the system identifier and the database name, but its data now has a
 * history of its own: it is told apart by its timeline, and a writer never reads from it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Distdb, defineModel, f, openDistdb } from 'distdb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, createCluster, type PgCluster } from './support/pgCluster.js';
import { findProgram, skipWithNotice } from './support/prerequisites.js';
import { sleep } from './support/processes.js';

const skip = skipWithNotice(
  'replica failover suite',
  clusterUnavailable() ??
    (['pg_basebackup', 'runuser'].every((p) => findProgram(p))
      ? undefined
      : 'pg_basebackup or runuser not found'),
);

const Note = defineModel({
  name: 'Note',
  table: 'notes',
  fields: { id: f.id(), body: f.text({ maxLength: 100 }) },
});

async function sql(cluster: PgCluster, text: string, db = 'postgres'): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: `${cluster.adminUrl}/${db}` });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  for (const t = Date.now(); Date.now() - t < 30_000; await sleep(100)) if (await ok()) return;
  throw new Error(`${what} did not happen within 30 s`);
}

describe.skipIf(skip)('a standby repointed to a promoted sibling of its primary', () => {
  const clusters: PgCluster[] = [];
  let primary: PgCluster;
  let standby: PgCluster;
  let sibling: PgCluster;
  let db: Distdb;
  let migrations = '';

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) clusters.push(await createCluster());
    [primary, standby, sibling] = clusters as [PgCluster, PgCluster, PgCluster];
    await sql(primary, 'CREATE DATABASE notes');
    standby.followOf(primary);
    sibling.followOf(primary);
    migrations = mkdtempSync(join(tmpdir(), 'distdb-failover-'));
    db = await openDistdb({
      env: {},
      models: [Note],
      migrations,
      urls: { default: `sqlite:${migrations}/default.db`, notes: `${primary.adminUrl}/notes` },
      replicas: { notes: [`${standby.adminUrl}/notes`] },
    });
    await db.makeMigrations();
    for (const r of await db.migrate()) if (r.status !== 'ok') throw new Error(`${r.alias}: ${r.error}`);
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    for (const c of clusters) c.drop();
    if (migrations) rmSync(migrations, { recursive: true, force: true });
  });

  it('is trusted while it follows the primary, and gets no reads once it follows the sibling', async () => {
    expect((await db.insert(Note, { id: 1, body: 'before' })).ok).toBe(true);
    const served = async () => (await db.replicaReads())[0]?.replicas['notes.replica1'] ?? 0;
    // Once it has replayed the write, the writer's reads go to it.
    await until('the standby serving', async () => {
      expect(await db.get(Note, 1)).toBeDefined();
      return (await served()) > 0;
    });

    // The failover: the sibling is promoted, the standby repointed to it.
    sibling.promote();
    await until(
      'the sibling promoted',
      async () => (await sql(sibling, 'SELECT pg_is_in_recovery() AS r'))[0]?.r === false,
    );
    await sql(
      standby,
      `ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=${sibling.port} user=postgres'`,
    );
    await sql(standby, 'SELECT pg_reload_conf()');
    await until('the standby following the sibling', async () => {
      const [r] = await sql(standby, 'SELECT received_tli FROM pg_stat_wal_receiver');
      return Number(r?.received_tli) > 1;
    });
    // The sibling writes: the standby replays past any position the primary has.
    await sql(sibling, 'CREATE TABLE filler AS SELECT g FROM generate_series(1, 50000) g', 'notes');
    const before = await served();

    // A writer's own writes, each read back at once: never from the standby, which lacks them.
    let stale = 0;
    for (let i = 2; i <= 40; i++) {
      expect((await db.insert(Note, { id: i, body: `after ${i}` })).ok).toBe(true);
      if ((await db.get(Note, i))?.body !== `after ${i}`) stale++;
      await sleep(20);
    }
    expect(stale).toBe(0);
    const [s] = await db.replicaStatus();
    expect(s).toMatchObject({ health: 'other_data', serving: false });
    expect(await served()).toBe(before);
  }, 120_000);
});
