/**
 * A hash-sharded model moved from four databases to six while other processes write it: every
 * write acknowledged is stored once, in the shard the new layout names, whatever point the
 * reshard is killed at; an abort before the switch leaves the old layout as it was.
 */

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Distdb, openDistdb, shardIndex } from 'distdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runCli } from './support/cli.js';
import { tempDir } from './support/deployments.js';
import { killAt, startPaused } from './support/pause.js';
import { runCliAsync } from './support/processes.js';
import { withRaw } from './support/rawdb.js';
import {
  type Ack,
  NEW_SHARDS,
  OLD_SHARDS,
  RESHARD_BACKENDS,
  readAcks,
  startWriter,
  writeReshardConfig,
} from './support/reshardSchema.js';

type Rec = Record<string, unknown>;

const SEED = 20_000;

function seedPosts(): Rec[] {
  return Array.from({ length: SEED }, (_, i) => ({
    id: i + 1,
    author: `author ${i % 37}`,
    score: (i * 7919) % 1000,
    body: i % 3 === 0 ? null : `post ${i + 1}`,
  }));
}

/** What the posts must be: the seed, then each acknowledged write in the order it was logged. */
function expected(seed: Rec[], acks: Ack[]): Map<number, Rec> {
  const out = new Map(seed.map((r) => [r.id as number, r]));
  for (const a of acks) {
    if (a.op === 'insert') out.set(a.id, a.record);
    else if (a.op === 'update') out.set(a.id, { ...(out.get(a.id) as Rec), ...a.patch });
    else if (a.op === 'delete') out.delete(a.id);
  }
  return out;
}

/** The first id from `from` on that the six-database layout places in a database it adds. */
function firstMoving(from: number): number {
  let id = from;
  while (shardIndex(id, NEW_SHARDS.length) < OLD_SHARDS.length) id++;
  return id;
}

for (const backend of RESHARD_BACKENDS) {
  describe.skipIf(!backend.available)(`reshard on ${backend.name}`, () => {
    let dir = '';
    let urls: Record<string, string> = {};
    let drop = async () => {};
    const opened: Distdb[] = [];
    const reopen = async () => {
      const db = await openDistdb({ env: {}, cwd: dir });
      opened.push(db);
      return db;
    };
    beforeAll(async () => {
      dir = tempDir('distdb-reshard-');
      const made = await backend.urls(dir);
      urls = made.urls;
      drop = made.drop;
      writeReshardConfig(dir, urls);
      const db = await reopen();
      await db.makeMigrations();
      for (const r of await db.migrate()) if (r.status !== 'ok') throw new Error(`${r.alias}: ${r.error}`);
    }, 120_000);

    afterAll(async () => {
      for (const db of opened) await db.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('refuses what it cannot move, each with a one-line error naming why', async () => {
      const cases: [string[], RegExp][] = [
        [['reshard', 'Tag', '--to', 'posts_0'], /Tag is not sharded/],
        [
          ['reshard', 'Post', '--to', 'posts_0,posts_1'],
          /--to must be the 4 databases of Post in their order/,
        ],
        [
          ['reshard', 'Post', '--to', [...OLD_SHARDS, 'nowhere'].join(',')],
          /unknown database alias "nowhere"/,
        ],
        [['reshard', 'Post', '--abort'], /no reshard of Post is under way/],
        [['reshard', 'Post'], /exactly one of --to, --resume and --abort/],
      ];
      for (const [args, message] of cases) {
        const r = runCli(args, { cwd: dir });
        expect(r.code, args.join(' ')).toBe(2);
        expect(expectOneLineError(r)).toMatch(message);
      }
    });

    it('an abort before the switch leaves the old layout, its rows and no copies', async () => {
      const db = await reopen();
      const Post = db.model('Post');
      const seed = seedPosts().slice(0, 3000);
      expect((await db.insertMany(Post, seed)).every((o) => o.ok)).toBe(true);
      await killAt(['reshard', 'Post', '--to', NEW_SHARDS.join(',')], { cwd: dir, at: 'reshard-fenced' });
      // Killed with the old shards fenced: writes wait, and the abort lets them go by the old layout.
      const waiting = await reopen();
      let landed = false;
      const write = waiting.insert(Post, { id: 3002, author: 'held', score: 2 }).then((o) => {
        landed = true;
        return o;
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(landed).toBe(false);
      const unfinished = runCli(['reshard', 'Post', '--to', NEW_SHARDS.join(',')], { cwd: dir });
      expect(expectOneLineError(unfinished)).toMatch(
        /is under way: finish it with `distdb reshard MODEL --resume`/,
      );
      const r = runCli(['reshard', 'Post', '--abort'], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(
        /reshard given up; layout 1 \(posts_0, posts_1, posts_2, posts_3\) stays in force/,
      );
      expect((await write).ok).toBe(true);
      const after = await reopen();
      expect(after.shards(Post)?.databases).toEqual(OLD_SHARDS);
      // The writes held by the kill go on by the old layout.
      expect((await after.insert(Post, { id: 3001, author: 'after', score: 1 })).ok).toBe(true);
      expect(await after.count(Post)).toBe(3002);
      for (const alias of ['posts_4', 'posts_5'])
        await withRaw(urls[alias] as string, async (raw) => {
          expect(await raw.query('SELECT id FROM posts')).toEqual([]);
        });
      for (const alias of OLD_SHARDS)
        await withRaw(urls[alias] as string, async (raw) => {
          expect(await raw.query('SELECT seq FROM distdb_reshard_changes')).toEqual([]);
        });
      for (const id of [1, 2, 3001, 3002]) await after.delete(Post, id);
      await Promise.all(seed.slice(2).map((r) => after.delete(Post, r.id as number)));
      expect(await after.count(Post)).toBe(0);
    }, 120_000);

    it('4 → 6 under two writing processes, killed at four points and resumed: every acknowledged write is stored once, where the new layout puts it', async () => {
      const db = await reopen();
      const Post = db.model('Post');
      const Tag = db.model('Tag');
      // Opened before the reshard, and never reading Posts itself, it still finds them after.
      const early = await reopen();
      expect(await early.count(Tag)).toBe(0);
      const seed = seedPosts();
      expect((await db.insertMany(Post, seed)).every((o) => o.ok)).toBe(true);
      const stop = join(dir, 'stop');
      const logs = [join(dir, 'w1.log'), join(dir, 'w2.log')];
      const writers = [
        startWriter(dir, 1_000_000, logs[0] as string, stop),
        startWriter(dir, 2_000_000, logs[1] as string, stop),
      ];
      const to = NEW_SHARDS.join(',');
      await killAt(['reshard', 'Post', '--to', to], { cwd: dir, at: 'reshard-copied:posts_1' });
      // A copy changed behind the reshard's back: the verify finds it and copies it again.
      const spoiled = seed.find((r) => shardIndex(r.id, 4) === 0 && shardIndex(r.id, 6) >= 4) as Rec;
      const spoiledIn = NEW_SHARDS[shardIndex(spoiled.id, 6)] as string;
      await withRaw(urls[spoiledIn] as string, async (raw) => {
        await raw.query("UPDATE posts SET body = 'changed behind its back' WHERE id = ?", [spoiled.id]);
        const [copy] = await raw.query('SELECT body FROM posts WHERE id = ?', [spoiled.id]);
        expect(copy?.body).toBe('changed behind its back');
      });
      await killAt(['reshard', 'Post', '--resume'], { cwd: dir, at: 'reshard-fenced' });
      // The old shards are fenced: a write to one waits until the resumed reshard lets it go.
      const held = await reopen();
      const heldId = firstMoving(3_000_000);
      let landed = false;
      const write = held.insert(Post, { id: heldId, author: 'held', score: 1 }).then((o) => {
        landed = true;
        return o;
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(landed).toBe(false);
      // Reads while moved rows are still in their old shards answer as one database would.
      const switched = startPaused(['reshard', 'Post', '--resume'], { cwd: dir, at: 'reshard-switched' });
      await switched.paused();
      expect((await write).ok).toBe(true);
      const reader = await reopen();
      // The seed's posts stand still (the writers change only their own): every one once.
      const seeded = { id: { lte: SEED } };
      const listed = await reader.find(Post, { where: seeded, orderBy: [{ id: 'asc' }] });
      expect(listed.map((r) => r.id)).toEqual(seed.map((r) => r.id));
      expect(await reader.count(Post, { where: seeded })).toBe(SEED);
      const top = await reader.find(Post, { where: seeded, orderBy: [{ score: 'desc' }], limit: 50 });
      const byScore = [...seed].sort(
        (a, b) => (b.score as number) - (a.score as number) || (a.id as number) - (b.id as number),
      );
      expect(top.map((r) => r.id)).toEqual(byScore.slice(0, 50).map((r) => r.id));
      let stored = 0;
      for (const alias of NEW_SHARDS) {
        const conn = await reader.connection(alias);
        stored += (await conn.query('SELECT id FROM posts WHERE id <= ?', [SEED])).length;
      }
      // The moved rows are still in their old shards too, and no read counted them twice.
      expect(stored).toBeGreaterThan(SEED * 1.25);
      switched.running.child.kill('SIGKILL');
      await switched.running.done;
      switched.resume();
      await killAt(['reshard', 'Post', '--resume'], { cwd: dir, at: 'reshard-removed:posts_2' });
      const last = await runCliAsync(['reshard', 'Post', '--resume', '--json'], { cwd: dir });
      expect(last.stderr).toBe('');
      const result = JSON.parse(last.stdout);
      expect(result.status).toBe('done');
      expect(result.to).toEqual({ version: 2, databases: NEW_SHARDS });
      expect(result.verification.ok).toBe(true);
      expect(result.verification.moves).toHaveLength(8);
      expect(result.verification.repairedBuckets).toBe(1);
      expect(result.fenceMs).toBeLessThan(30_000);
      // Writing goes on a while by the new layout, then stops.
      await new Promise((r) => setTimeout(r, 500));
      writeFileSync(stop, '');
      await Promise.all(writers.map((w) => w.done));
      const acks: Ack[] = [
        ...logs.flatMap(readAcks),
        { op: 'insert', id: heldId, record: { id: heldId, author: 'held', score: 1, body: null } },
      ];
      expect(acks.filter((a) => a.op === 'error')).toEqual([]);
      expect(acks.filter((a) => a.op === 'insert').length).toBeGreaterThan(100);
      const want = expected(seed, acks);
      const final = await reopen();
      expect(final.shards(Post)?.databases).toEqual(NEW_SHARDS);
      // Row by row, each in the one database the new layout names.
      const seen = new Map<number, Rec>();
      for (const [i, alias] of NEW_SHARDS.entries()) {
        const conn = await final.connection(alias);
        for (const raw of await conn.query('SELECT id FROM posts')) {
          const id = Number(raw.id);
          expect(seen.has(id), `id ${id} twice`).toBe(false);
          expect(shardIndex(id, NEW_SHARDS.length), `id ${id} in ${alias}`).toBe(i);
          seen.set(id, raw);
        }
      }
      expect(seen.size).toBe(want.size);
      const all = await final.find(Post, { orderBy: [{ id: 'asc' }] });
      const byId = (m: Map<number, Rec>) =>
        [...m.values()].sort((a, b) => (a.id as number) - (b.id as number));
      expect(all.map((r) => ({ ...r, body: r.body ?? null }))).toEqual(
        byId(want).map((r) => ({ ...r, body: r.body ?? null })),
      );
      // Jump hashing moved about a third of the rows (2 of 6 buckets are new).
      const moved = [...want.keys()].filter((id) => shardIndex(id, 6) >= 4).length / want.size;
      expect(moved).toBeGreaterThan(0.3);
      expect(moved).toBeLessThan(0.37);
      for (const alias of OLD_SHARDS)
        await withRaw(urls[alias] as string, async (raw) => {
          expect(await raw.query('SELECT seq FROM distdb_reshard_changes')).toEqual([]);
        });
      const movedPost = seed.find((r) => shardIndex(r.id, 6) >= 4) as Rec;
      expect((await early.insert(Tag, { id: 1, post_id: movedPost.id, label: 'moved' })).ok).toBe(true);
      const [tag] = await early.find(Tag, { include: ['post'] });
      expect((tag?.post as Rec | null)?.id).toBe(movedPost.id);
    }, 300_000);
  });
}

describe('the layout in force when default cannot be read', () => {
  it('opening and calls of unsharded models go on; a call of a sharded model fails naming default', async () => {
    const dir = tempDir('distdb-layouts-');
    const urls: Record<string, string> = Object.fromEntries(
      NEW_SHARDS.map((a) => [a, `sqlite:${dir}/${a}.db`]),
    );
    writeReshardConfig(dir, urls);
    // Tags live in posts_0 here. Each config is its own file: a config module loads once per process.
    const configFor = (name: string, defaultUrl: string) => {
      const path = join(dir, `${name}.config.mjs`);
      writeFileSync(
        path,
        `import { Post, Tag } from './models.mjs';
export const models = [Post, Tag];
export const databases = ${JSON.stringify({ ...urls, default: defaultUrl })};
export const routes = { Tag: 'posts_0' };
export const sharding = { Post: { key: 'id', strategy: 'hash', databases: ${JSON.stringify(OLD_SHARDS)} } };
`,
      );
      return path;
    };
    const setup = await openDistdb({
      env: {},
      cwd: dir,
      configPath: configFor('reachable', `sqlite:${dir}/default.db`),
    });
    await setup.makeMigrations();
    for (const r of await setup.migrate()) if (r.status !== 'ok') throw new Error(`${r.alias}: ${r.error}`);
    expect((await setup.insert(setup.model('Post'), { id: 1, author: 'a', score: 1 })).ok).toBe(true);
    await setup.close();
    const unreachable = configFor('unreachable', 'postgres://nobody@127.0.0.1:1/none');
    const db = await openDistdb({ env: {}, cwd: dir, configPath: unreachable });
    try {
      expect(await db.count(db.model('Tag'))).toBe(0);
      await expect(db.count(db.model('Post'))).rejects.toThrow(/database "default"/);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
