/**
 * A model sharded over several databases (and servers) answers exactly as the same model in one
 * database: the same outcomes for the same writes, the same records for every query, the same
 * cascades; and each record is stored in the one shard its key names.
 */

import { createHash } from 'node:crypto';
import {
  type Distdb,
  fnv1a64,
  type InferInput,
  type InferRecord,
  jumpHash,
  type OrderBy,
  shardIndex,
  type Where,
} from 'distdb';
import { describe, expect, it } from 'vitest';
import { withRaw } from './support/rawdb.js';
import {
  ARTICLE_SHARDS,
  Article,
  Bookmark,
  Note,
  Story,
  shardBackends,
  useShardDeployment,
  Writer,
} from './support/shardSchema.js';

/** Records an indexed insertMany claims at a time (CLAIM_WINDOW of src/queries/insert.ts). */
const CLAIM_WINDOW = 10_000;

const WRITERS = Array.from({ length: 12 }, (_, i) => ({
  id: i + 1,
  name: `Writer ${i + 1}`,
  email: `w${i + 1}@example.com`,
}));

/** 400 articles with ties, nulls, decimals and timestamps; some invalid, one repeated id, some with unknown writers. */
type ArticleInput = InferInput<typeof Article>;

function articles(): ArticleInput[] {
  const out: ArticleInput[] = [];
  for (let id = 1; id <= 400; id++) {
    out.push({
      id,
      writer_id: id % 50 === 0 ? 99 : (id % 12) + 1,
      title: id % 97 === 0 ? '' : `${['alpha', 'Beta', 'gamma', 'délta'][id % 4]} ${id % 7}`,
      score: (id * 37) % 101,
      rating: id % 3 === 0 ? null : ((id * 13) % 1000) / 100,
      status: id % 2 === 0 ? 'draft' : 'published',
      published_at: id % 5 === 0 ? null : new Date(Date.UTC(2024, 0, 1 + (id % 40))).toISOString(),
    });
  }
  out.push({ ...(out[9] as ArticleInput), title: 'repeated id 10' });
  // Without its key, or with one of the wrong type: refused by validation, on either deployment.
  out.push({ writer_id: 1, title: 'no id', score: 1, status: 'draft' } as unknown as ArticleInput);
  out.push({ ...(out[3] as ArticleInput), id: 'eleven' as unknown as number });
  return out;
}

/** Notes on both sides of the range bound, some on articles that were refused or never existed. */
function notes(): InferInput<typeof Note>[] {
  return Array.from({ length: 300 }, (_, i) => {
    const id = i * 3 + 1;
    return { id, article_id: i % 40 === 0 ? 5000 : (i % 97) + 1, body: `note ${id}` };
  });
}

interface ArticleQuery {
  where?: Where<ArticleInput>;
  orderBy?: OrderBy<InferRecord<typeof Article>>;
  limit?: number;
  offset?: number;
}

const QUERIES: { name: string; options: ArticleQuery }[] = [
  { name: 'all, by id', options: {} },
  { name: 'score desc, limit 25', options: { orderBy: [{ score: 'desc' }], limit: 25 } },
  {
    name: 'score desc, offset 40 limit 30',
    options: { orderBy: [{ score: 'desc' }], limit: 30, offset: 40 },
  },
  { name: 'rating asc (nulls)', options: { orderBy: [{ rating: 'asc' }], limit: 60 } },
  { name: 'rating desc (nulls)', options: { orderBy: [{ rating: 'desc' }], offset: 200 } },
  {
    name: 'title then published_at',
    options: { orderBy: [{ title: 'asc' }, { published_at: 'desc' }], limit: 80 },
  },
  // Upper case before lower in code point order; one server shard's collation says otherwise.
  { name: 'title, offset 3 limit 10', options: { orderBy: [{ title: 'asc' }], limit: 10, offset: 3 } },
  { name: 'title desc, limit 10', options: { orderBy: [{ title: 'desc' }, { id: 'desc' }], limit: 10 } },
  {
    name: 'where status and score range',
    options: { where: { status: 'draft', score: { gte: 20, lt: 60 } } },
  },
  { name: 'where id in', options: { where: { id: { in: [3, 17, 250, 399, 4000] } } } },
  { name: 'where id eq', options: { where: { id: 42 } } },
  { name: 'where or of ids', options: { where: { or: [{ id: 7 }, { id: { in: [8, 9] } }] } } },
  {
    name: 'where writer and null rating',
    options: { where: { writer_id: 3, rating: null }, orderBy: [{ score: 'asc' }] },
  },
  {
    name: 'where like, offset past the end',
    options: { where: { title: { like: 'gamma%' } }, offset: 1000 },
  },
  { name: 'limit 0', options: { limit: 0 } },
];

for (const backend of shardBackends()) {
  describe.skipIf(!backend.available)(`a sharded model on ${backend.name}`, () => {
    const deployment = useShardDeployment(backend);

    const both = async <T>(fn: (db: Distdb) => Promise<T>) => {
      const { sharded, plain } = deployment();
      return [await fn(sharded), await fn(plain)] as const;
    };

    it('insertMany gives the outcomes of one database, and each record lands in its shard only', async () => {
      const [w1, w2] = await both((db) => db.insertMany(Writer, WRITERS));
      expect(w1).toEqual(w2);
      const [a1, a2] = await both((db) => db.insertMany(Article, articles()));
      expect(a1).toEqual(a2);
      expect(a1.filter((o) => o.ok)).toHaveLength(400 - 8 - 4);
      expect(a1.at(-3)).toMatchObject({ ok: false, id: 10 });
      expect(a1.at(-2)).toMatchObject({ ok: false });
      expect(a1.at(-1)).toMatchObject({ ok: false });
      const [n1, n2] = await both((db) => db.insertMany(Note, notes()));
      expect(n1).toEqual(n2);
      expect(new Set(n1.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.code)))).toEqual(
        new Set(['unknown_article']),
      );
      const { sharded } = deployment();
      let total = 0;
      for (const alias of ARTICLE_SHARDS) {
        const url = deployment().urls[alias] as string;
        const ids = await withRaw(url, async (raw) =>
          (await raw.query('SELECT id FROM articles')).map((r) => Number(r.id)),
        );
        for (const id of ids) expect(sharded.writeAlias(Article, { key: id })).toBe(alias);
        total += ids.length;
      }
      expect(total).toBe(388);
      const low = await withRaw(deployment().urls.notes_a as string, (raw) =>
        raw.query('SELECT MAX(id) AS m FROM notes'),
      );
      expect(Number(low[0]?.m)).toBeLessThan(500);
    });

    it('find gives the records of one database for every where, orderBy, limit and offset', async () => {
      for (const q of QUERIES) {
        const [s, p] = await both((db) => db.find(Article, q.options));
        expect(s, q.name).toEqual(p);
        const [cs, cp] = await both((db) => db.count(Article, { where: q.options.where }));
        expect(cs, q.name).toBe(cp);
      }
      const [s, p] = await both((db) =>
        db.find(Note, { orderBy: [{ article_id: 'desc' }], limit: 50, include: ['article'] }),
      );
      expect(s).toEqual(p);
      expect(s.every((n) => (n.article as { id: number }).id === n.article_id)).toBe(true);
    });

    it('get finds a record in its shard, with relations into and out of sharded models', async () => {
      const [s, p] = await both((db) => db.get(Note, 604, { include: ['article'] }));
      expect(s).toEqual(p);
      expect(s?.article).toMatchObject({ id: 8 });
      const [a, b] = await both((db) => db.get(Article, 123, { include: ['writer'] }));
      expect(a).toEqual(b);
      expect(a?.writer).toMatchObject({ id: 4 });
      expect(await deployment().sharded.get(Article, 100)).toBeUndefined();
    });

    it('update and delete route by key; a delete cascades and restricts across shards as in one database', async () => {
      const [u1, u2] = await both((db) => db.update(Article, 77, { score: 999, writer_id: 2 }));
      expect(u1).toEqual(u2);
      const [v1, v2] = await both((db) => db.update(Article, 78, { writer_id: 98 }));
      expect(v1).toEqual(v2);
      expect(v1).toMatchObject({ ok: false, code: 'unknown_writer' });
      const [x1, x2] = await both((db) => db.update(Article, 79, { id: 80 }));
      expect(x1).toEqual(x2);
      const [b1, b2] = await both((db) => db.insert(Bookmark, { id: 1, article_id: 31 }));
      expect(b1).toEqual(b2);
      const [r1, r2] = await both((db) => db.delete(Writer, 8));
      expect(r1).toEqual(r2);
      expect(r1).toMatchObject({ ok: false, code: 'referenced' });
      const theirs = await deployment().plain.count(Article, { where: { writer_id: 5 } });
      expect(theirs).toBeGreaterThan(20);
      const [d1, d2] = await both((db) => db.delete(Writer, 5));
      expect(d1).toEqual(d2);
      expect(d1).toMatchObject({ ok: true, deleted: { Writer: 1, Article: theirs } });
      const [f1, f2] = await both((db) =>
        db.find(Article, { orderBy: [{ writer_id: 'asc' }, { score: 'desc' }] }),
      );
      expect(f1).toEqual(f2);
      const [g1, g2] = await both((db) => db.find(Note, {}));
      expect(g1).toEqual(g2);
    });

    it('unique values stay unique across shards: the first in input order wins, as in one database', async () => {
      // Emails differing in case only, on writers in different shards.
      const writers = [13, 14, 15, 16, 17].map((id) => ({
        id,
        name: `W${id}`,
        email: id % 2 ? 'Same@Example.com' : 'same@example.COM',
      }));
      const [w1, w2] = await both((db) => db.insertMany(Writer, writers));
      expect(w1).toEqual(w2);
      expect(w1.filter((o) => o.ok)).toHaveLength(1);
      // A record refused for its repeated id holds none of its other values: the next one takes them.
      const again = [
        { id: 30, name: 'First', email: 'first30@example.com' },
        { id: 30, name: 'Repeated id', email: 'taken-by-no-one@example.com' },
        { id: 31, name: 'Next', email: 'TAKEN-by-no-one@example.com' },
      ];
      const [r1, r2] = await both((db) => db.insertMany(Writer, again));
      expect(r1).toEqual(r2);
      expect(r1.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['ok', 'duplicate_id', 'ok']);
      // Across calls too: a record repeating a stored id holds none of its other values, and the
      // stored record keeps its claims (every writer holds exactly its id and its email).
      const later = [
        { id: 30, name: 'Stored id', email: 'again30@example.com' },
        { id: 32, name: 'Next', email: 'AGAIN30@example.com' },
      ];
      const [l1, l2] = await both((db) => db.insertMany(Writer, later));
      expect(l1).toEqual(l2);
      expect(l1.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['duplicate_id', 'ok']);
      const { sharded } = deployment();
      const claims = await (await sharded.connection('default')).query(
        'SELECT COUNT(*) AS n FROM distdb_shard_keys WHERE model = ?',
        ['Writer'],
      );
      expect(Number(claims[0]?.n)).toBe(2 * (await sharded.count(Writer)));
      const stories = Array.from({ length: 300 }, (_, i) => ({
        id: (i % 280) + 1,
        writer_id: (i % 12) + 1,
        slug: `story-${i % 250}`,
        words: i,
      }));
      const [s1, s2] = await both((db) => db.insertMany(Story, stories));
      expect(s1).toEqual(s2);
      expect(new Set(s1.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.code)))).toEqual(
        new Set(['duplicate_slug', 'duplicate_id', 'unknown_writer']),
      );
      for (const q of [
        {},
        { where: { id: { in: [3, 99, 250, 1000] } } },
        { where: { slug: 'story-7' } },
        { orderBy: [{ words: 'desc' as const }], limit: 20, offset: 5 },
      ]) {
        const [a, b] = await both((db) => db.find(Story, q));
        expect(a).toEqual(b);
      }
      const [g1, g2] = await both((db) => db.get(Story, 42, { include: ['writer'] }));
      expect(g1).toEqual(g2);
      expect(g1).toMatchObject({ id: 42 });
      const [u1, u2] = await both((db) => db.update(Story, 42, { slug: 'story-43' }));
      expect(u1).toEqual(u2);
      expect(u1).toMatchObject({ ok: false, code: 'duplicate_slug' });
      const [v1, v2] = await both((db) => db.update(Story, 42, { slug: 'renamed-42', words: 1 }));
      expect(v1).toEqual(v2);
      // The old slug is free again, the new one taken.
      const [x1, x2] = await both((db) =>
        db.insertMany(Story, [
          { id: 501, writer_id: 3, slug: 'story-41', words: 0 },
          { id: 502, writer_id: 5, slug: 'renamed-42', words: 0 },
        ]),
      );
      expect(x1).toEqual(x2);
      expect(x1.map((o) => o.ok)).toEqual([true, false]);
    });

    it('an insertMany past one claim window decides values across windows as one database', async () => {
      const n = CLAIM_WINDOW + 10;
      const writers = Array.from({ length: n }, (_, i) => ({
        id: 100_000 + i,
        name: `Bulk ${i}`,
        email: `bulk${i}@example.com`,
      }));
      // Refused in the first window (bad name): its email is free for the second.
      writers[CLAIM_WINDOW - 2] = { ...(writers[CLAIM_WINDOW - 2] as (typeof writers)[number]), name: '' };
      const at = (i: number) => writers[i] as (typeof writers)[number];
      writers[CLAIM_WINDOW + 1] = { ...at(CLAIM_WINDOW + 1), email: 'BULK10@example.com' };
      writers[CLAIM_WINDOW + 2] = { ...at(CLAIM_WINDOW + 2), email: at(CLAIM_WINDOW - 2).email };
      writers[CLAIM_WINDOW + 3] = { ...at(CLAIM_WINDOW + 3), id: 100_020 };
      const [a, b] = await both((db) => db.insertMany(Writer, writers));
      expect(a).toEqual(b);
      const refusedAt = a.flatMap((o, i) => (o.ok ? [] : [[i, o.code]]));
      expect(refusedAt).toEqual([
        [CLAIM_WINDOW - 2, 'invalid_name'],
        [CLAIM_WINDOW + 1, 'duplicate_email'],
        [CLAIM_WINDOW + 3, 'duplicate_id'],
      ]);
      const [c1, c2] = await both((db) => db.count(Writer));
      expect(c1).toBe(c2);
    });

    it('a shard key is not changed by an update; ids and slugs of deleted records are free again', async () => {
      const { sharded } = deployment();
      expect(await sharded.update(Story, 43, { writer_id: 2 })).toMatchObject({
        ok: false,
        code: 'shard_key_changed',
      });
      const story = await sharded.get(Story, 45);
      const [d1, d2] = await both((db) => db.delete(Writer, (story as { writer_id: number }).writer_id));
      expect(d1).toEqual(d2);
      expect(d1.ok).toBe(true);
      const again = { id: 45, writer_id: 1, slug: (story as { slug: string }).slug, words: 0 };
      const [i1, i2] = await both((db) => db.insert(Story, again));
      expect(i1).toEqual(i2);
      expect(i1).toEqual({ ok: true, id: 45 });
      expect(await sharded.get(Story, 45)).toMatchObject({ writer_id: 1 });
    });

    it('a value claimed by a writer that stopped before its record landed is taken over once the claim is old', async () => {
      const { sharded, urls } = deployment();
      const claim = (slug: string) => createHash('sha256').update(`Story\0slug\0${slug}`).digest('hex');
      const old = Date.now() - 31_000;
      await withRaw(urls.people as string, async (raw) => {
        const p = raw.backend === 'postgres' ? ['$1', '$2'] : ['?', '?'];
        const sql = `INSERT INTO distdb_shard_keys (claim, model, shard, owner, claimed_at) VALUES (${p[0]}, 'Story', 'articles_0', 999999, ${p[1]})`;
        await raw.query(sql, [claim('left-behind'), old]);
        await raw.query(sql.replace('999999', '999998'), [claim('still-landing'), Date.now() + 60_000]);
      });
      expect(await sharded.insert(Story, { id: 900, writer_id: 1, slug: 'left-behind', words: 1 })).toEqual({
        ok: true,
        id: 900,
      });
      expect(await sharded.get(Story, 900)).toMatchObject({ slug: 'left-behind' });
      // A claim still within its lease is waited for: its writer may be landing it now.
      const waiting = sharded.insert(Story, { id: 901, writer_id: 1, slug: 'still-landing', words: 1 });
      const first = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('waiting'), 500))]);
      expect(first).toBe('waiting');
      await withRaw(urls.people as string, (raw) =>
        raw.query(`DELETE FROM distdb_shard_keys WHERE owner = 999998`),
      );
      expect(await waiting).toEqual({ ok: true, id: 901 });
    });

    it('32 concurrent inserts of one email on writers in different shards: exactly one lands', async () => {
      const { sharded } = deployment();
      const racers = Array.from({ length: 32 }, (_, i) => ({
        id: 2000 + i,
        name: `R${i}`,
        email: `${i % 2 ? 'RACE' : 'race'}@example.org`,
      }));
      const outcomes = await Promise.all(racers.map((w) => sharded.insert(Writer, w)));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(new Set(outcomes.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.code)))).toEqual(
        new Set(['duplicate_email']),
      );
      expect(await sharded.count(Writer, { where: { id: { gte: 2000, lt: 3000 } } })).toBe(1);
      // Two deployments on the same servers' databases (two processes, say), 16 writers each.
      // (Two in one process on one SQLite file would wait on each other's locks in one thread.)
      if (backend.name === 'sqlite') return;
      const other = await deployment().reopen();
      try {
        const writers = Array.from({ length: 32 }, (_, i) => ({
          id: 3000 + i,
          name: `Q${i}`,
          email: `${i % 3 ? 'BOTH' : 'both'}@example.org`,
        }));
        const raced = await Promise.all(writers.map((w, i) => (i % 2 ? other : sharded).insert(Writer, w)));
        expect(raced.filter((o) => o.ok)).toHaveLength(1);
        expect(await sharded.count(Writer, { where: { id: { gte: 3000, lt: 4000 } } })).toBe(1);
      } finally {
        await other.close();
      }
    });

    it('a transaction on one shard writes the records of that shard and refuses the others', async () => {
      const { sharded } = deployment();
      const home = sharded.writeAlias(Article, { key: 1001 });
      const other = [1002, 1003, 1004, 1005].find(
        (id) => sharded.writeAlias(Article, { key: id }) !== home,
      ) as number;
      const row = { writer_id: 1, title: 'in a transaction', score: 1, status: 'draft' as const };
      await expect(
        sharded.transaction(home, async (tx) => {
          expect(await tx.insert(Article, { id: 1001, ...row })).toEqual({ ok: true, id: 1001 });
          expect(await tx.get(Article, 1001)).toMatchObject({ id: 1001 });
          await tx.insert(Article, { id: other, ...row });
        }),
      ).rejects.toThrow(
        `Article is written to database "${sharded.writeAlias(Article, { key: other })}", not to "${home}"`,
      );
      expect(await sharded.get(Article, 1001)).toBeUndefined();
    });
  });
}

describe('the shard of a key', () => {
  it('is 64-bit FNV-1a of its text, placed by jump consistent hash', () => {
    expect(fnv1a64('')).toBe(0xcbf29ce484222325n);
    expect(fnv1a64('a')).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64('foobar')).toBe(0x85944171f73967e8n);
    // The same text as UTF-8 bytes, whatever its characters.
    const reference = (text: string) => {
      let h = 0xcbf29ce484222325n;
      for (const b of Buffer.from(text, 'utf8')) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
      return h;
    };
    for (const text of ['12345', 'délta', '😀 emoji', 'x'.repeat(300)])
      expect(fnv1a64(text)).toBe(reference(text));
    expect(jumpHash(0n, 4)).toBe(0);
    expect(Array.from({ length: 8 }, (_, i) => shardIndex(i + 1, 4))).toEqual(
      Array.from({ length: 8 }, (_, i) => jumpHash(reference(String(i + 1)), 4)),
    );
  });

  it('spreads keys evenly, and growing 4 shards to 6 moves only the keys the new shards take', () => {
    const counts = [0, 0, 0, 0];
    let moved = 0;
    for (let id = 1; id <= 100_000; id++) {
      const four = shardIndex(id, 4);
      counts[four] = (counts[four] ?? 0) + 1;
      const six = shardIndex(id, 6);
      if (six !== four) {
        moved++;
        expect(six).toBeGreaterThanOrEqual(4);
      }
    }
    for (const n of counts) {
      expect(n / 100_000).toBeGreaterThan(0.2);
      expect(n / 100_000).toBeLessThan(0.3);
    }
    expect(moved / 100_000).toBeGreaterThan(0.3);
    expect(moved / 100_000).toBeLessThan(0.37);
  });
});
