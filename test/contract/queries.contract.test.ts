import { type Distdb, DistdbError, type RecordOutcome } from 'distdb';
import { describe, expect, it } from 'vitest';
import { Author, Category, Comment, Post, Tag } from '../support/blogSchema.js';
import { Member, Pin, queryBackends, Task, Team, useQueryDeployment } from '../support/querySchema.js';
import { backendOf, withRaw } from '../support/rawdb.js';

/** The DistdbError `p` rejects with (fails the test when it resolves or rejects otherwise). */
async function refusal(p: Promise<unknown>): Promise<DistdbError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DistdbError);
  return err as DistdbError;
}

function author(id: number, handle = `user_${id}`, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: `Author ${id}`,
    handle,
    email: `author${id}@example.com`,
    joined_at: '2024-03-01T12:00:00.000Z',
    ...extra,
  };
}

/** Seeded authors: 1..30, each with a handle and email of its own. */
const SEEDED = 30;

interface PostInput {
  id: number;
  author_id: number;
  category_id: number | null;
  sku: string;
  title: string;
  status: 'draft' | 'published' | 'archived';
  price: string;
  tips: string | null;
  rating: string | null;
  featured: boolean;
  word_count: number;
  published_at: string | null;
}

/** Posts 1..12 with repeated word counts (ties), null ratings and timestamps, extreme prices. */
const POSTS: PostInput[] = Array.from({ length: 12 }, (_, i) => {
  const id = i + 1;
  return {
    id,
    author_id: (i % 5) + 1,
    category_id: i % 4 === 0 ? 1 : null,
    sku: `PST-${String(id).padStart(6, '0')}`,
    title: `${['alpha', 'beta', 'gamma'][i % 3]} post ${id}`,
    status: (['draft', 'published', 'archived'] as const)[i % 3] as PostInput['status'],
    price: ['0.0001', '12.5000', '9999999999.9999', '12.4999'][i % 4] as string,
    tips: i % 2 === 0 ? '0.10' : null,
    rating: ['4.5', null, '0.0', '5.0', null][i % 5] as string | null,
    featured: i % 2 === 1,
    word_count: [100, 300, 200, 300][i % 4] as number,
    published_at: i % 3 === 0 ? null : `2024-0${(i % 9) + 1}-15T08:30:45.${String(i).padStart(3, '0')}Z`,
  };
});

const minor = (d: string) => BigInt(d.replace('.', ''));

/** Some of Post's columns as DatabaseOf types them: in the forms the backends return. */
interface StoredPosts {
  posts: {
    id: number;
    price: string | number | bigint;
    rating: string | number | bigint | null;
    featured: 0 | 1;
    published_at: string | null;
    status: 'draft' | 'published' | 'archived';
  };
}

describe.each(queryBackends())('queries on $name', (backend) => {
  const use = useQueryDeployment(backend);
  const db = (): Distdb => use().db;
  const it_ = it.skipIf(!backend.available);

  it_('seeds the authors, a category and the posts', async () => {
    const seeded = await db().insertMany(
      Author,
      Array.from({ length: SEEDED }, (_, i) => author(i + 1)),
    );
    expect(seeded.every((o) => o.ok)).toBe(true);
    expect(await db().insert(Category, { id: 1, slug: 'news', title: 'News', position: 1 })).toEqual({
      ok: true,
      id: 1,
    });
    const written = await db().insertMany(Post, POSTS);
    expect(written).toEqual(POSTS.map((p) => ({ ok: true, id: p.id })));
  });

  it_(
    '200 concurrent inserts and concurrent updates: every accepted write is stored, one winner per unique value',
    async () => {
      // Inserts 1000..1199: groups of four race for a handle (differing in case), pairs race
      // for an id or an email, some records are invalid; updates of seeded authors race for
      // the same handles, and others change karma and, at the same time, bio and verified.
      const inserts = Array.from({ length: 200 }, (_, i) => {
        const id = 1000 + i;
        if (i < 80) return author(id, i % 2 ? `Race_${i >> 2}` : `race_${i >> 2}`);
        if (i < 100) return author(i % 2 ? id - 1 : id, `dupid_${i}`, { email: `dupid${i}@example.com` });
        if (i < 120) return author(id, `email_${i}`, { email: `Shared${i >> 1}@Example.com` });
        if (i < 140) return author(id, `bad_${i}`, { name: 'x' });
        if (i < 150) return author(id, `1bad_${i}`);
        return author(id);
      });
      const handleRaces = Array.from({ length: 10 }, (_, g) => ({ id: 21 + g, handle: `RACE_${g}` }));
      const karma = Array.from({ length: 15 }, (_, k) => ({ id: 6 + k, karma: 10 * (k + 1) }));
      type Op =
        | { kind: 'insert'; i: number }
        | { kind: 'race'; g: number }
        | { kind: 'karma'; k: number }
        | { kind: 'bio'; k: number };
      const ops: Op[] = [
        ...inserts.map((_, i) => ({ kind: 'insert' as const, i })),
        ...handleRaces.map((_, g) => ({ kind: 'race' as const, g })),
        ...karma.map((_, k) => ({ kind: 'karma' as const, k })),
        // The same authors' bios at the same time: an update writes only its own fields.
        ...karma.map((_, k) => ({ kind: 'bio' as const, k })),
      ];
      // A fixed shuffle, so updates interleave with the inserts they race.
      ops.sort((a, b) => hash(JSON.stringify(a)) - hash(JSON.stringify(b)));
      const insertOutcomes: RecordOutcome[] = new Array(inserts.length);
      const raceOutcomes: RecordOutcome[] = new Array(handleRaces.length);
      const karmaOutcomes: RecordOutcome[] = new Array(karma.length);
      const bioOutcomes: RecordOutcome[] = new Array(karma.length);
      await Promise.all(
        ops.map(async (op) => {
          if (op.kind === 'insert') insertOutcomes[op.i] = await db().insert(Author, inserts[op.i]);
          else if (op.kind === 'race') {
            const { id, handle } = handleRaces[op.g] as { id: number; handle: string };
            raceOutcomes[op.g] = await db().update(Author, id, { handle });
          } else if (op.kind === 'karma') {
            const { id, karma: k } = karma[op.k] as { id: number; karma: number };
            karmaOutcomes[op.k] = await db().update(Author, id, { karma: k });
          } else {
            const { id } = karma[op.k] as { id: number };
            bioOutcomes[op.k] = await db().update(Author, id, { bio: `bio ${id}`, verified: true });
          }
        }),
      );

      const stored = await db().find(Author, { where: { id: { gte: 1000 } } });
      const byId = new Map(stored.map((a) => [a.id as number, a]));
      const accepted = insertOutcomes.flatMap((o, i) => (o.ok ? [i] : []));
      expect(await db().count(Author, { where: { id: { gte: 1000 } } })).toBe(accepted.length);
      for (const i of accepted) {
        const input = inserts[i] as ReturnType<typeof author>;
        expect(byId.get(input.id)).toMatchObject({ handle: input.handle, email: input.email });
      }
      for (const o of [...insertOutcomes, ...raceOutcomes, ...karmaOutcomes, ...bioOutcomes]) {
        if (!o.ok)
          expect(o).toMatchObject({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) });
      }
      const codes = (from: number, to: number) =>
        insertOutcomes.slice(from, to).map((o) => (o.ok ? 'ok' : o.code));
      expect(codes(120, 140)).toEqual(new Array(20).fill('invalid_name'));
      expect(codes(140, 150)).toEqual(new Array(10).fill('invalid_handle'));
      expect(codes(150, 200)).toEqual(new Array(50).fill('ok'));
      // Each id pair and each email pair: one winner, the other refused with its code.
      for (let i = 80; i < 120; i += 2) {
        const pair = codes(i, i + 2).sort();
        expect(pair).toEqual(i < 100 ? ['duplicate_id', 'ok'] : ['duplicate_email', 'ok']);
      }
      // Each handle: four inserts, and for the first ten an update too; exactly one wins.
      const all = await db().find(Author);
      for (let g = 0; g < 20; g++) {
        const raced = codes(g * 4, g * 4 + 4);
        if (g < 10) raced.push(raceOutcomes[g]?.ok ? 'ok' : (raceOutcomes[g] as { code: string }).code);
        expect(raced.filter((c) => c === 'ok')).toHaveLength(1);
        expect(raced.filter((c) => c !== 'ok').every((c) => c === 'handle_taken')).toBe(true);
        const holders = all.filter((a) => String(a.handle).toLowerCase() === `race_${g}`);
        expect(holders).toHaveLength(1);
        const winner = raced.indexOf('ok');
        expect(holders[0]?.id).toBe(winner < 4 ? 1000 + g * 4 + winner : 21 + g);
      }
      // No two stored records share a case-folded handle or email.
      const folded = (k: string) => new Set(all.map((a) => String(a[k]).toLowerCase())).size;
      expect(folded('handle')).toBe(all.length);
      expect(folded('email')).toBe(all.length);
      expect(karmaOutcomes).toEqual(karma.map(({ id }) => ({ ok: true, id })));
      expect(bioOutcomes).toEqual(karma.map(({ id }) => ({ ok: true, id })));
      const updated = await db().find(Author, { where: { id: { in: karma.map((x) => x.id) } } });
      expect(updated.map((a) => [a.id, a.karma, a.bio, a.verified])).toEqual(
        karma.map(({ id, karma: k }) => [id, k, `bio ${id}`, true]),
      );
    },
  );

  it_('find: every where operator, or / and, compared with the same filter in JavaScript', async () => {
    const ids = async (where: Record<string, unknown>) =>
      (await db().find(Post, { where })).map((p) => p.id as number);
    const expected = (keep: (p: PostInput) => boolean) => POSTS.filter(keep).map((p) => p.id);
    expect(await ids({ status: 'published' })).toEqual(expected((p) => p.status === 'published'));
    expect(await ids({ status: { eq: 'draft' } })).toEqual(expected((p) => p.status === 'draft'));
    expect(await ids({ rating: { ne: '4.5' } })).toEqual(expected((p) => p.rating !== '4.5'));
    expect(await ids({ rating: { ne: null } })).toEqual(expected((p) => p.rating !== null));
    expect(await ids({ rating: null })).toEqual(expected((p) => p.rating === null));
    const gt = minor('12.5000');
    expect(await ids({ price: { gt: '12.5' } })).toEqual(expected((p) => minor(p.price) > gt));
    expect(await ids({ price: { gte: 12.5 } })).toEqual(expected((p) => minor(p.price) >= gt));
    expect(await ids({ price: { lt: '12.5' } })).toEqual(expected((p) => minor(p.price) < gt));
    expect(await ids({ price: { lte: '12.5', gt: '0.0001' } })).toEqual(
      expected((p) => minor(p.price) <= gt && minor(p.price) > 1n),
    );
    expect(await ids({ word_count: { in: [100, 200] } })).toEqual(expected((p) => p.word_count !== 300));
    expect(await ids({ id: { in: [] } })).toEqual([]);
    // A list longer than any backend binds (SQLite 32,766, PostgreSQL 65,535 values).
    const many = Array.from({ length: 70_000 }, (_, i) => i + 1);
    expect(await ids({ id: { in: many }, author_id: { in: many } })).toEqual(POSTS.map((p) => p.id));
    const titles = Array.from({ length: 30_001 }, (_, i) => `title ${i}`);
    const tooMany = await refusal(db().find(Post, { where: { title: { in: titles } } }));
    expect(tooMany.kind).toBe('usage');
    expect(tooMany.message).toMatch(/title\.in: at most 30000 values .* got 30001/);
    expect(await ids({ title: { in: [...titles.slice(0, 29_999), 'beta post 2'] } })).toEqual([2]);
    expect(await ids({ title: { like: 'beta%' } })).toEqual(expected((p) => p.title.startsWith('beta')));
    expect(await ids({ title: { like: '%post _' } })).toEqual(expected((p) => /post \d$/.test(p.title)));
    expect(await ids({ published_at: { isNull: true } })).toEqual(expected((p) => p.published_at === null));
    expect(await ids({ published_at: { isNull: false, gte: '2024-05-01T00:00:00Z' } })).toEqual(
      expected((p) => p.published_at !== null && p.published_at >= '2024-05-01'),
    );
    expect(await ids({ featured: true })).toEqual(expected((p) => p.featured));
    expect(await ids({ featured: false, category_id: 1 })).toEqual(
      expected((p) => !p.featured && p.category_id === 1),
    );
    const either = { or: [{ status: 'draft' }, { and: [{ featured: true }, { word_count: { gte: 300 } }] }] };
    expect(await ids(either)).toEqual(
      expected((p) => p.status === 'draft' || (p.featured && p.word_count >= 300)),
    );
    expect(await ids({ and: [{ or: [] }] })).toEqual([]);
    expect(await db().count(Post, { where: { rating: { ne: '4.5' } } })).toBe(
      expected((p) => p.rating !== '4.5').length,
    );
  });

  it_('find: orderBy desc with the id as tiebreak, and paging visits every record once', async () => {
    const order = [...POSTS].sort((a, b) => b.word_count - a.word_count || a.id - b.id).map((p) => p.id);
    const sorted = await db().find(Post, { orderBy: [{ word_count: 'desc' }] });
    expect(sorted.map((p) => p.id)).toEqual(order);
    const paged: number[] = [];
    for (let offset = 0; offset < POSTS.length + 5; offset += 5) {
      const page = await db().find(Post, { orderBy: [{ word_count: 'desc' }], limit: 5, offset });
      paged.push(...page.map((p) => p.id as number));
    }
    expect(paged).toEqual(order);
    const byStatus = await db().find(Post, { orderBy: [{ status: 'asc' }, { id: 'desc' }], offset: 10 });
    const statusOrder = [...POSTS].sort((a, b) => a.status.localeCompare(b.status) || b.id - a.id).slice(10);
    expect(byStatus.map((p) => p.id)).toEqual(statusOrder.map((p) => p.id));
  });

  it_('find: decimals are exact, booleans and timestamps round trip', async () => {
    const stored = await db().find(Post);
    expect(stored).toEqual(POSTS);
    const top = await db().find(Post, { where: { price: '9999999999.9999' } });
    expect(top.map((p) => [p.id, p.price])).toEqual(
      POSTS.filter((p) => p.price === '9999999999.9999').map((p) => [p.id, p.price]),
    );
    const exact = await db().find(Post, { where: { published_at: new Date('2024-02-15T08:30:45.001Z') } });
    expect(exact.map((p) => p.id)).toEqual([2]);
  });

  it_(
    'a where on an unknown field or with a value of the wrong type is a usage error naming the field',
    async () => {
      const unknown = await refusal(db().find(Post, { where: { colour: 'red' } as never }));
      expect(unknown.kind).toBe('usage');
      expect(unknown.message).toContain('"colour"');
      const wrongType = await refusal(db().find(Post, { where: { word_count: { gt: 'many' } } as never }));
      expect(wrongType.kind).toBe('usage');
      expect(wrongType.message).toContain('word_count');
      const badDecimal = await refusal(db().count(Post, { where: { price: '1.000001' } }));
      expect(badDecimal).toMatchObject({ kind: 'usage', message: expect.stringContaining('price') });
      const badOr = await refusal(db().find(Post, { where: { or: [{ nope: 1 }] } as never }));
      expect(badOr).toMatchObject({ kind: 'usage', message: expect.stringContaining('"nope"') });
      const badOrder = await refusal(db().find(Post, { orderBy: [{ size: 'desc' }] as never }));
      expect(badOrder).toMatchObject({ kind: 'usage', message: expect.stringContaining('"size"') });
      const badOp = await refusal(db().find(Post, { where: { title: { contains: 'a' } } as never }));
      expect(badOp).toMatchObject({ kind: 'usage', message: expect.stringContaining('title') });
    },
  );

  it_('include reads each relation from its own database, null when the record is missing', async () => {
    // Author 900 is referenced, then deleted behind distdb's back: its references dangle.
    expect(await db().insert(Author, author(900))).toMatchObject({ ok: true });
    expect(
      await db().insertMany(Comment, [
        { id: 1, post_id: 1, author_id: 2, body: 'first', created_at: '2024-06-01T00:00:00Z' },
        { id: 2, post_id: 2, author_id: null, body: 'anonymous', created_at: '2024-06-02T00:00:00Z' },
        { id: 3, post_id: 3, author_id: 900, body: 'gone soon', created_at: '2024-06-03T00:00:00Z' },
      ]),
    ).toEqual([1, 2, 3].map((id) => ({ ok: true, id })));
    await withRaw(use().urls.people as string, (raw) => raw.query('DELETE FROM authors WHERE id = 900'));

    const comments = await db().find(Comment, { include: ['post', 'author'] });
    expect(comments.map((c) => [c.id, c.post?.title, c.author?.handle ?? null])).toEqual([
      [1, POSTS[0]?.title, 'user_2'],
      [2, POSTS[1]?.title, null],
      [3, POSTS[2]?.title, null],
    ]);
    expect(comments[0]?.post).toEqual(POSTS[0]);
    const one = await db().get(Comment, 1, { include: ['author'] });
    expect(one).toMatchObject({ id: 1, body: 'first', author: { id: 2, handle: 'user_2' } });
    expect(one).not.toHaveProperty('post');
    const posts = await db().find(Post, { where: { id: { in: [1, 2] } }, include: ['author', 'category'] });
    expect(posts.map((p) => [p.id, p.author?.id, p.category?.slug ?? null])).toEqual([
      [1, 1, 'news'],
      [2, 2, null],
    ]);
    const bad = await refusal(db().find(Comment, { include: ['writer'] as never }));
    expect(bad).toMatchObject({ kind: 'usage', message: expect.stringContaining('"writer"') });
  });

  it_('update: validation, duplicates, unknown references, unknown ids and the id are refused', async () => {
    const before = await db().get(Post, 1);
    const refusals: [Record<string, unknown>, string][] = [
      [{ title: 'no' }, 'invalid_title'],
      [{ rating: '7' }, 'bad_rating'],
      [{ status: 'gone' }, 'invalid_status'],
      [{ price: '-1' }, 'invalid_price'],
      [{ sku: POSTS[1]?.sku }, 'duplicate_sku'],
      [{ author_id: 424242 }, 'unknown_author'],
      [{ category_id: 77 }, 'unknown_category'],
      [{ id: 2 }, 'invalid_id'],
      [{ colour: 'red' }, 'unknown_field'],
    ];
    for (const [patch, code] of refusals) {
      const outcome = await db().update(Post, 1, patch);
      expect({ patch, outcome }).toMatchObject({ patch, outcome: { ok: false, id: 1, code } });
    }
    expect(await db().get(Post, 1)).toEqual(before);
    const dupHandle = await db().update(Author, 1, { handle: 'USER_2' });
    expect(dupHandle).toMatchObject({ ok: false, code: 'handle_taken' });
    expect(await db().update(Comment, 1, { author_id: 424242 })).toMatchObject({
      ok: false,
      code: 'unknown_commenter',
    });
    expect(await db().update(Post, 999_999, { title: 'Nobody' })).toMatchObject({
      ok: false,
      id: 999_999,
      code: 'not_found',
    });
    expect(await db().update(Post, 999_999, {})).toMatchObject({ ok: false, code: 'not_found' });

    expect(await db().update(Post, 1, { id: 1, title: '  Renamed  ', tips: null, rating: 3 })).toEqual({
      ok: true,
      id: 1,
    });
    const after = await db().get(Post, 1);
    // Trimmed text is validated trimmed and stored as given, as an insert stores it.
    expect(after).toEqual({ ...before, title: '  Renamed  ', tips: null, rating: '3.0' });
    await db().update(Post, 1, { title: POSTS[0]?.title, tips: POSTS[0]?.tips, rating: POSTS[0]?.rating });
    expect(await db().get(Post, 1)).toEqual(before);
  });

  it_('delete: a restricting reference refuses it and changes nothing', async () => {
    const authors = await db().count(Author);
    const outcome = await db().delete(Author, 1);
    expect(outcome).toMatchObject({ ok: false, id: 1, code: 'referenced' });
    const message = outcome.ok ? '' : outcome.message;
    expect(message).toContain('Post');
    expect(message).toContain('"content"');
    expect(await db().count(Author)).toBe(authors);
    expect(await db().count(Post)).toBe(POSTS.length);
    expect(await db().delete(Author, 987_654)).toMatchObject({ ok: false, id: 987_654, code: 'not_found' });
    expect(await db().delete(Comment, 2)).toEqual({ ok: true, id: 2, deleted: { Comment: 1 }, detached: {} });
    expect(await db().get(Comment, 2)).toBeUndefined();
  });

  it_('delete: cascades across databases delete dependents, setNull clears references', async () => {
    expect(
      await db().insertMany(
        Team,
        [1, 2, 3].map((id) => ({ id, name: `Team ${id}` })),
      ),
    ).toHaveLength(3);
    const members = [
      { id: 11, team_id: 1, name: 'Ann' },
      { id: 12, team_id: 1, name: 'Bo' },
      { id: 21, team_id: 2, name: 'Cy' },
      { id: 22, team_id: 2, name: 'Di' },
      { id: 31, team_id: 3, name: 'Ed' },
    ];
    expect((await db().insertMany(Member, members)).every((o) => o.ok)).toBe(true);
    const tasks = [
      { id: 111, member_id: 11, title: 'one' },
      { id: 112, member_id: 12, title: 'two' },
      { id: 211, member_id: 21, reviewer_id: 11, title: 'three' },
      { id: 212, member_id: 21, reviewer_id: 22, title: 'four' },
      { id: 311, member_id: 31, title: 'five' },
    ];
    expect((await db().insertMany(Task, tasks)).every((o) => o.ok)).toBe(true);
    expect(await db().insert(Pin, { id: 1, task_id: 311, note: 'keep' })).toEqual({ ok: true, id: 1 });

    expect(await db().delete(Team, 1)).toEqual({
      ok: true,
      id: 1,
      deleted: { Task: 2, Member: 2, Team: 1 },
      detached: { Task: 1 },
    });
    expect((await db().find(Member)).map((m) => m.id)).toEqual([21, 22, 31]);
    expect((await db().find(Task)).map((t) => [t.id, t.reviewer_id])).toEqual([
      [211, null],
      [212, 22],
      [311, null],
    ]);

    expect(await db().delete(Member, 22)).toEqual({
      ok: true,
      id: 22,
      deleted: { Member: 1 },
      detached: { Task: 1 },
    });
    expect(await db().get(Task, 212)).toMatchObject({ member_id: 21, reviewer_id: null });

    // Team 3's member has a task a Pin holds on to: the cascade would leave the Pin dangling.
    const held = await db().delete(Team, 3);
    expect(held).toMatchObject({ ok: false, code: 'referenced' });
    expect(held.ok ? '' : held.message).toMatch(/Pin.*"people"/);
    expect(await db().count(Member, { where: { team_id: 3 } })).toBe(1);
    expect(await db().count(Task, { where: { id: 311 } })).toBe(1);
    expect(await db().delete(Pin, 1)).toMatchObject({ ok: true });
    expect(await db().delete(Team, 3)).toMatchObject({ ok: true, deleted: { Task: 1, Member: 1, Team: 1 } });
    expect(await db().delete(Team, 3)).toMatchObject({ ok: false, code: 'not_found' });
  });

  it_('transaction: a throw rolls back every write made through tx', async () => {
    const post = { ...POSTS[0], id: 500, sku: 'PST-000500', title: 'In a transaction' } as PostInput;
    const boom = new Error('boom');
    await expect(
      db().transaction('content', async (tx) => {
        expect(await tx.insert(Post, post)).toEqual({ ok: true, id: 500 });
        expect(await tx.update(Post, 2, { title: 'Changed in tx' })).toEqual({ ok: true, id: 2 });
        expect(await tx.insert(Category, { id: 50, slug: 'tx', title: 'Tx', position: 5 })).toMatchObject({
          ok: true,
        });
        const k = await tx.using();
        await k.insertInto('categories').values({ id: 51, slug: 'raw', title: 'Raw', position: 6 }).execute();
        expect(await tx.count(Category)).toBe(3);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await db().get(Post, 500)).toBeUndefined();
    expect((await db().get(Post, 2))?.title).toBe(POSTS[1]?.title);
    expect(await db().count(Category)).toBe(1);
  });

  it_(
    'transaction: tx reads its own writes, refuses other databases, and tx.using() runs in it',
    async () => {
      const post = { ...POSTS[0], id: 501, sku: 'PST-000501', title: 'Committed' } as PostInput;
      const result = await db().transaction('content', async (tx) => {
        expect(await tx.insert(Post, post)).toEqual({ ok: true, id: 501 });
        expect(await tx.get(Post, 501, { include: ['author'] })).toMatchObject({
          title: 'Committed',
          author: { id: 1 },
        });
        expect(await tx.count(Post)).toBe(POSTS.length + 1);
        expect(await tx.update(Post, 501, { word_count: 9 })).toEqual({ ok: true, id: 501 });
        const k = await tx.using();
        const rows = await k.selectFrom('posts').select(['id', 'word_count']).where('id', '=', 501).execute();
        expect(rows.map((r) => [Number(r.id), Number(r.word_count)])).toEqual([[501, 9]]);
        await k
          .insertInto('categories')
          .values({ id: 52, slug: 'kept', title: 'Kept', position: 7 })
          .execute();
        expect(await tx.get(Category, 52)).toMatchObject({ slug: 'kept' });

        const elsewhere = await refusal(tx.insert(Author, author(950)));
        expect(elsewhere.kind).toBe('usage');
        expect(elsewhere.message).toContain('"people"');
        expect(await refusal(tx.update(Comment, 1, { body: 'x' }))).toMatchObject({ kind: 'usage' });
        expect(await refusal(tx.using('people'))).toMatchObject({ kind: 'usage' });
        // Reading a model of another database is fine.
        expect((await tx.get(Author, 1))?.id).toBe(1);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await db().get(Post, 501)).toMatchObject({ title: 'Committed', word_count: 9 });
      expect(await db().get(Category, 52)).toMatchObject({ slug: 'kept' });
      expect(await db().get(Author, 950)).toBeUndefined();
      expect(await db().delete(Post, 501)).toMatchObject({ ok: true });
      expect(await db().delete(Category, 52)).toMatchObject({ ok: true });
    },
  );

  it_(
    'transaction: Kysely transactions in it are savepoints, and outside writes are not part of it',
    async () => {
      const category = (id: number, slug: string) => ({ id, slug, title: slug, position: id });
      const boom = new Error('undo');
      await expect(
        db().transaction('content', async (tx) => {
          const k = await tx.using();
          await k.transaction().execute(async (trx) => {
            await trx.insertInto('categories').values(category(60, 'kept-inner')).execute();
          });
          await expect(
            k.transaction().execute(async (trx) => {
              await trx.insertInto('categories').values(category(61, 'undone-inner')).execute();
              throw boom;
            }),
          ).rejects.toBe(boom);
          expect((await tx.find(Category, { where: { id: { gte: 60 } } })).map((c) => c.id)).toEqual([60]);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await db().count(Category, { where: { id: { gte: 60 } } })).toBe(0);

      // A write from outside while the transaction is open (it waits for it on SQLite) is its own.
      let opened = () => {};
      const open = new Promise<void>((resolve) => {
        opened = resolve;
      });
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const rolledBack = db().transaction('content', async (tx) => {
        await tx.insert(Category, category(63, 'in-tx'));
        opened();
        await held;
        throw boom;
      });
      await open;
      const outside = db().insert(Category, category(62, 'outside'));
      setTimeout(release, 30);
      await expect(rolledBack).rejects.toBe(boom);
      expect(await outside).toEqual({ ok: true, id: 62 });
      expect((await db().find(Category, { where: { id: { gte: 60 } } })).map((c) => c.id)).toEqual([62]);
      expect(await db().delete(Category, 62)).toMatchObject({ ok: true });
    },
  );

  it_('transaction: a Tx and its Kysely are refused once the transaction has ended', async () => {
    const { tx, k } = await db().transaction('content', async (tx) => ({ tx, k: await tx.using() }));
    for (const call of [
      () => tx.find(Post),
      () => tx.get(Author, 1),
      () => tx.insert(Category, { id: 70, slug: 'late', title: 'Late', position: 1 }),
      () => tx.update(Post, 1, { word_count: 1 }),
      () => tx.delete(Category, 1),
      () => tx.using(),
      () =>
        k.insertInto('categories').values({ id: 71, slug: 'late-k', title: 'Late', position: 1 }).execute(),
    ]) {
      expect(await refusal(call())).toMatchObject({ message: expect.stringContaining('ended') });
    }
    expect(await db().count(Category, { where: { id: { in: [70, 71] } } })).toBe(0);
    expect((await db().get(Post, 1))?.word_count).toBe(POSTS[0]?.word_count);
  });

  it_('transaction: delete checks references elsewhere, and refuses to cascade there', async () => {
    expect(await db().insert(Post, { ...POSTS[1], id: 502, sku: 'PST-000502' } as PostInput)).toMatchObject({
      ok: true,
    });
    // Comments (in "discussion") restrict deleting a Post: looking there is not writing there.
    const outcomes = await db().transaction('content', async (tx) => [
      await tx.delete(Post, 502),
      await tx.delete(Post, 1),
    ]);
    expect(outcomes[0]).toEqual({ ok: true, id: 502, deleted: { Post: 1 }, detached: {} });
    expect(outcomes[1]).toMatchObject({
      ok: false,
      code: 'referenced',
      message: expect.stringContaining('Comment'),
    });
    expect(await db().get(Post, 502)).toBeUndefined();
    // Deleting a Team cascades to Members in "content": refused in a transaction of "people".
    expect(await db().insert(Team, { id: 4, name: 'Team 4' })).toMatchObject({ ok: true });
    expect(await db().insert(Member, { id: 41, team_id: 4, name: 'Flo' })).toMatchObject({ ok: true });
    const refused = await refusal(db().transaction('people', (tx) => tx.delete(Team, 4)));
    expect(refused).toMatchObject({ kind: 'usage', message: expect.stringContaining('"content"') });
    expect(await db().count(Team, { where: { id: 4 } })).toBe(1);
    expect(await db().count(Member, { where: { team_id: 4 } })).toBe(1);
  });

  it_('using(alias) is a working Kysely on that database', async () => {
    const k = await db().using('people');
    const rows = await k
      .selectFrom('authors')
      .select(['id', 'handle'])
      .where('id', '<=', 3)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [Number(r.id), r.handle])).toEqual([
      [1, 'user_1'],
      [2, 'user_2'],
      [3, 'user_3'],
    ]);
    const content = await db().using<StoredPosts>('content');
    const [n] = await content
      .selectFrom('posts')
      .select((eb) => eb.fn.countAll().as('n'))
      .execute();
    expect(Number(n?.n)).toBe(await db().count(Post));
    // The backend's own forms, as using()'s column types say: booleans 0/1, decimals exact text
    // on the servers and integer minor units on SQLite, timestamps text.
    const stored = await content
      .selectFrom('posts')
      .select(['id', 'price', 'rating', 'featured', 'published_at', 'status'])
      .where('id', 'in', [1, 2])
      .orderBy('id')
      .execute();
    const onSqlite = backendOf(use().urls.content as string) === 'sqlite';
    expect(stored).toEqual([
      {
        id: 1,
        price: onSqlite ? 1 : '0.0001',
        rating: onSqlite ? 45 : '4.5',
        featured: 0,
        published_at: null,
        status: 'draft',
      },
      {
        id: 2,
        price: onSqlite ? 125000 : '12.5000',
        rating: null,
        featured: 1,
        published_at: expect.stringMatching(/^2024-02-15.08:30:45\.001/),
        status: 'published',
      },
    ]);
    expect(await refusal(db().using('nowhere'))).toMatchObject({ kind: 'usage' });
  });

  it_('after close(), every call is a DistdbError', async () => {
    const other = await use().reopen();
    expect(await other.count(Author, { where: { id: 1 } })).toBe(1);
    await other.close();
    await refusal(other.find(Author));
    await refusal(other.get(Post, 1));
    await refusal(other.count(Comment));
    await refusal(other.insert(Tag, { id: 1, label: 'closed' }));
    await refusal(other.update(Author, 1, { karma: 1 }));
    await refusal(other.delete(Comment, 1));
    await refusal(other.transaction('content', async () => 1));
    await refusal(other.using('people'));
    // The deployment's own distdb is not affected.
    expect(await db().count(Author, { where: { id: 1 } })).toBe(1);
  });

  it_(
    'a query or write that fails in the database is a DistdbError with its kind, alias, SQL and cause',
    async () => {
      expect(await db().insert(Tag, { id: 1, label: 'doomed' })).toEqual({ ok: true, id: 1 });
      const url = use().urls.content as string;
      const password = /^[a-z]+:\/\/[^:/@]*:([^@]+)@/.exec(url)?.[1];
      await withRaw(url, (raw) => raw.query('DROP TABLE tags'));
      const calls: [string, () => Promise<unknown>, RegExp][] = [
        ['find', () => db().find(Tag, { where: { label: 'doomed' } }), /^select .*tags/i],
        ['count', () => db().count(Tag), /^select .*tags/i],
        ['get', () => db().get(Tag, 1), /^select .*tags/i],
        // The statement the dialect sent: its bulk path's own (PostgreSQL's within a WITH).
        ['insert', () => db().insert(Tag, { id: 2, label: 'another' }), /insert into [`"]?tags/i],
        [
          'insertMany',
          () =>
            db().insertMany(Tag, [
              { id: 3, label: 'third' },
              { id: 4, label: 'fourth', color: '#aabbcc' },
            ]),
          /insert into [`"]?tags/i,
        ],
        ['update', () => db().update(Tag, 1, { label: 'renamed' }), /^update .*tags/i],
        // A delete looks the record up first: that is the statement that fails.
        ['delete', () => db().delete(Tag, 1), /^select .*tags/i],
      ];
      for (const [name, call, sql] of calls) {
        const err = await refusal(call());
        expect({ name, kind: err.kind, alias: err.alias, sql: err.sql }).toEqual({
          name,
          kind: 'query',
          alias: 'content',
          sql: expect.stringMatching(sql),
        });
        // Placeholders, never the values.
        expect(err.sql).not.toMatch(/doomed|another|third|fourth|renamed|aabbcc/);
        // The driver's own error, saying what is wrong.
        expect(err.cause).toBeInstanceOf(Error);
        expect(err.cause).not.toBeInstanceOf(DistdbError);
        expect((err.cause as Error).message).toMatch(/tags/);
        expect(err.message).toContain('"content"');
        // Only insertMany speaks of how many of its records it decided.
        if (name !== 'insertMany') expect(err.message).not.toMatch(/decided/);
        expect(err.message).not.toContain(url);
        if (password) expect(`${err.message} ${err.sql}`).not.toContain(decodeURIComponent(password));
      }
      // A reference the insert looks up, in a table that is gone: that lookup's database and SQL.
      await withRaw(url, (raw) => raw.query('DROP TABLE categories'));
      const post = { ...POSTS[0], id: 600, sku: 'PST-000600', category_id: 1 } as PostInput;
      const lookup = await refusal(db().insert(Post, post));
      expect({ kind: lookup.kind, alias: lookup.alias, sql: lookup.sql }).toEqual({
        kind: 'query',
        alias: 'content',
        sql: expect.stringMatching(/^select .*categories/i),
      });
      expect(lookup.cause).not.toBeInstanceOf(DistdbError);
    },
  );
});

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
