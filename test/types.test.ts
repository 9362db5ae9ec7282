/**
 * Record types are inferred from the declarations. These checks are made by the type checker
 * (`npm run lint` type-checks the tests): a `@ts-expect-error` line with no error fails it, so a
 * wrong field type or an unknown field that compiled would fail CI. The runtime part only
 * confirms the declarations are usable.
 */
import { defineModel, f, type InferInput, type InferRecord, type Order, type User } from 'distdb';
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
