/**
 * Record types are inferred from the declarations. These checks are made by the type checker
 * (`npm run lint` type-checks the tests): a `@ts-expect-error` line with no error fails it, so a
 * wrong field type or an unknown field that compiled would fail CI. The runtime part only
 * confirms the declarations are usable.
 */
import {
  type DatabaseOf,
  defineModel,
  f,
  type InferInput,
  type InferRecord,
  type Order,
  openDistdb,
  type User,
} from 'distdb';
import type { ColumnType, Kysely } from 'kysely';
import { describe, expect, expectTypeOf, it } from 'vitest';

const Author = defineModel({
  name: 'Author',
  table: 'authors',
  fields: {
    id: f.id(),
    name: f.text({ minLength: 2, maxLength: 100, trim: true, code: 'invalid_name' }),
    email: f.email({ unique: 'ci', code: 'invalid_email', duplicateCode: 'duplicate_email' }),
    bio: f.text({ maxLength: 2000, optional: true }),
  },
});

const Post = defineModel({
  name: 'Post',
  table: 'posts',
  fields: {
    id: f.id(),
    author_id: f.ref(Author, { unknownCode: 'unknown_author' }),
    title: f.text({ minLength: 1, maxLength: 200 }),
    score: f.integer({ min: 0, max: 100, default: 0 }),
    price: f.decimal({ precision: 14, scale: 4, min: '0', max: '9999999999.9999' }),
    published: f.boolean({ default: false }),
    published_at: f.timestamp({ optional: true }),
    kind: f.enum(['draft', 'article', 'note']),
  },
});

type AuthorRecord = InferRecord<typeof Author>;
type PostRecord = InferRecord<typeof Post>;
type PostInput = InferInput<typeof Post>;

describe('inferred record types', () => {
  it('a record has each declared field with its type; optional fields may be null', () => {
    expectTypeOf<AuthorRecord>().toEqualTypeOf<{
      id: number;
      name: string;
      email: string;
      bio?: string | null;
    }>();
    expectTypeOf<PostRecord>().toEqualTypeOf<{
      id: number;
      author_id: number;
      title: string;
      score: number;
      price: string;
      published: boolean;
      kind: 'draft' | 'article' | 'note';
      published_at?: string | null;
    }>();
  });

  it('on input, fields with a default may be left out, decimals may be numbers, timestamps Dates', () => {
    expectTypeOf<PostInput>().toEqualTypeOf<{
      id: number;
      author_id: number;
      title: string;
      price: string | number;
      kind: 'draft' | 'article' | 'note';
      score?: number;
      published?: boolean;
      published_at?: string | Date | null;
    }>();
    const ok: PostInput = { id: 1, author_id: 1, title: 'Hello', price: '9.5', kind: 'note' };
    expect(ok.title).toBe('Hello');
  });

  it('a wrong field type, an unknown field or a missing field is a compile error', () => {
    const records: PostInput[] = [
      // @ts-expect-error title must be a string
      { id: 1, author_id: 1, title: 42, price: '1', kind: 'note' },
      // @ts-expect-error kind must be one of the enum's values
      { id: 1, author_id: 1, title: 'x', price: '1', kind: 'poem' },
      // @ts-expect-error color is not a field of Post
      { id: 1, author_id: 1, title: 'x', price: '1', kind: 'note', color: 'red' },
      // @ts-expect-error price is required
      { id: 1, author_id: 1, title: 'x', kind: 'note' },
    ];
    expect(records).toHaveLength(4);
  });

  it('a generated id may be left out on write and is always there on read', () => {
    const Ticket = defineModel({
      name: 'Ticket',
      table: 'tickets',
      fields: { id: f.id({ generated: true }), title: f.text() },
    });
    expectTypeOf<InferInput<typeof Ticket>>().toEqualTypeOf<{ title: string; id?: number }>();
    expectTypeOf<InferRecord<typeof Ticket>>().toEqualTypeOf<{ id: number; title: string }>();
  });

  it("the shop's records are inferred from its declarations too", () => {
    expectTypeOf<User>().toEqualTypeOf<{ id: number; name: string; email: string }>();
    expectTypeOf<Order>().toEqualTypeOf<{
      id: number;
      user_id: number;
      product_id: number;
      quantity: number;
    }>();
  });

  it('insert takes the model input type', async () => {
    type Insert = typeof import('distdb')['Distdb']['prototype']['insert'];
    const check = (insert: Insert) => {
      // @ts-expect-error score must be a number
      void insert(Post, { id: 1, author_id: 1, title: 'x', price: '1', kind: 'note', score: 'high' });
      // @ts-expect-error nickname is not a field of Author
      void insert(Author, { id: 1, name: 'Al', email: 'a@example.com', nickname: 'al' });
      void insert(Author, { id: 1, name: 'Al', email: 'a@example.com' });
    };
    expect(typeof check).toBe('function');
  });
});

const Comment = defineModel({
  name: 'Comment',
  table: 'comments',
  fields: {
    id: f.id(),
    post_id: f.ref(Post, { onDelete: 'cascade' }),
    reply_to: f.ref(Author, { as: 'replied', optional: true, onDelete: 'setNull' }),
    body: f.text({ maxLength: 500 }),
  },
});

describe('query and write types', () => {
  type Api = import('distdb').Distdb;

  it('find results have the record type, and each include adds its relation (null when missing)', async () => {
    const check = async (db: Api) => {
      const posts = await db.find(Post, { where: { score: { gte: 10 } }, include: ['author'] });
      expectTypeOf(posts[0]?.author).toEqualTypeOf<AuthorRecord | null | undefined>();
      expectTypeOf(posts[0]?.title).toEqualTypeOf<string | undefined>();
      const comments = await db.find(Comment, { include: ['post', 'replied'] });
      expectTypeOf(comments[0]?.replied).toEqualTypeOf<AuthorRecord | null | undefined>();
      const plain = await db.find(Comment);
      // @ts-expect-error nothing was included
      void plain[0]?.post;
      const one = await db.get(Post, 1, { include: ['author'] });
      expectTypeOf(one?.author).toEqualTypeOf<AuthorRecord | null | undefined>();
    };
    expect(typeof check).toBe('function');
  });

  it('a misspelt include, an unknown field in where, orderBy or a patch, or a wrong value type is a compile error', () => {
    const check = (db: Api) => {
      // @ts-expect-error Post has no relation "writer"
      void db.find(Post, { include: ['writer'] });
      // @ts-expect-error Post has no field "colour"
      void db.find(Post, { where: { colour: 'red' } });
      // @ts-expect-error score is compared with numbers
      void db.find(Post, { where: { score: { gt: 'ten' } } });
      // @ts-expect-error Post has no field "rank" to order by
      void db.find(Post, { orderBy: [{ rank: 'desc' }] });
      // @ts-expect-error directions are asc or desc
      void db.find(Post, { orderBy: [{ score: 'down' }] });
      // @ts-expect-error Post has no field "colour"
      void db.update(Post, 1, { colour: 'red' });
      // @ts-expect-error title must be a string
      void db.update(Post, 1, { title: 5 });
      // @ts-expect-error Author has no field "colour"
      void db.count(Author, { where: { colour: 'red' } });
      void db.find(Post, {
        where: {
          or: [{ kind: 'note' }, { kind: { in: ['draft', 'article'] } }],
          published_at: { isNull: true },
        },
        orderBy: [{ score: 'desc' }, { id: 'asc' }],
        limit: 10,
      });
      void db.update(Post, 1, { score: 5, published: true });
    };
    expect(typeof check).toBe('function');
  });
});

describe('using(): Kysely typed from the declared models', () => {
  const open = () => openDistdb({ models: [Author, Post, Comment] });
  type Db = Awaited<ReturnType<typeof open>>;

  it("each model's table, its columns in the backend's form, defaulted and optional ones optional on insert", () => {
    expectTypeOf<DatabaseOf<[typeof Author]>>().toEqualTypeOf<{
      authors: {
        id: number;
        name: string;
        email: string;
        bio: ColumnType<string | null, string | null | undefined, string | null>;
      };
    }>();
    expectTypeOf<keyof DatabaseOf<[typeof Author, typeof Post, typeof Comment]>>().toEqualTypeOf<
      'authors' | 'posts' | 'comments'
    >();
  });

  it("a selected column has its field's type, as the driver returns it", () => {
    const check = async (db: Db) => {
      const k = await db.using('content');
      const [row] = await k
        .selectFrom('posts')
        .innerJoin('authors', 'authors.id', 'posts.author_id')
        .select(['posts.title', 'score', 'kind', 'price', 'published', 'published_at', 'authors.bio'])
        .execute();
      expectTypeOf(row).toEqualTypeOf<
        | {
            title: string;
            score: number;
            kind: 'draft' | 'article' | 'note';
            // Exact text on PostgreSQL and MariaDB, integer minor units on SQLite.
            price: string | number | bigint;
            // Booleans are stored as 0 and 1 on every backend.
            published: 0 | 1;
            published_at: string | null;
            bio: string | null;
          }
        | undefined
      >();
      const [n] = await k
        .selectFrom('comments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .execute();
      expectTypeOf(n?.n).toEqualTypeOf<number | undefined>();
    };
    expect(typeof check).toBe('function');
  });

  it('an unknown table or column is a compile error, and so is a wrong value on insert', () => {
    const check = async (db: Db) => {
      const k = await db.using('content');
      // @ts-expect-error no declared model has the table "tags"
      void k.selectFrom('tags').selectAll();
      // @ts-expect-error posts has no column "colour"
      void k.selectFrom('posts').select('colour');
      // @ts-expect-error the column "title" is Post's, not Author's
      void k.selectFrom('authors').select('title');
      // @ts-expect-error posts has no column "colour" to filter on
      void k.selectFrom('posts').selectAll().where('colour', '=', 'red');
      const post = { id: 1, author_id: 1, title: 'x', price: '1', kind: 'note' } as const;
      // @ts-expect-error title is required: it has no default
      void k.insertInto('posts').values({ id: 1, author_id: 1, price: '1', kind: 'note' });
      // @ts-expect-error a boolean is stored as 0 or 1
      void k.insertInto('posts').values({ ...post, published: true });
      // @ts-expect-error kind must be one of the enum's values
      void k.insertInto('posts').values({ ...post, kind: 'poem' });
      void k.insertInto('posts').values({ ...post, published: 1, published_at: null });
      void k.updateTable('authors').set({ bio: null }).where('id', '=', 1);
    };
    expect(typeof check).toBe('function');
  });

  it('using<D>() narrows to the tables of D; tx.using() is typed the same; without models it is untyped', () => {
    const check = async (db: Db) => {
      const people = await db.using<DatabaseOf<[typeof Author]>>('people');
      void people.selectFrom('authors').select('email');
      // @ts-expect-error narrowed to Author's table
      void people.selectFrom('posts').selectAll();
      await db.transaction('content', async (tx) => {
        expectTypeOf(await tx.using()).toEqualTypeOf<
          Kysely<DatabaseOf<[typeof Author, typeof Post, typeof Comment]>>
        >();
      });
      const untyped = await (await openDistdb()).using();
      void untyped.selectFrom('anything').select('any_column');
    };
    expect(typeof check).toBe('function');
  });
});
