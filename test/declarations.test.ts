import { DistdbError, defineModel, f } from 'distdb';
import { describe, expect, it } from 'vitest';

const Author = defineModel({ name: 'Author', table: 'authors', fields: { id: f.id(), name: f.text() } });

function refusal(declare: () => unknown): string {
  try {
    declare();
  } catch (err) {
    expect(err).toBeInstanceOf(DistdbError);
    expect((err as DistdbError).kind).toBe('config');
    return (err as Error).message;
  }
  throw new Error('the declaration was accepted');
}

describe('declarations refuse what no backend can hold, naming the model and field', () => {
  it.each([
    [
      'setNull on a required reference',
      () =>
        defineModel({
          name: 'Post',
          table: 'posts',
          fields: { id: f.id(), author_id: f.ref(Author, { onDelete: 'setNull' }) },
        }),
      "model Post.author_id: onDelete: 'setNull' needs an optional reference",
    ],
    [
      'a relation named like a field',
      () =>
        defineModel({
          name: 'Post',
          table: 'posts',
          fields: { id: f.id(), author: f.text(), author_id: f.ref(Author) },
        }),
      'model Post.author_id: relation "author" has the name of a field (set as)',
    ],
    [
      'two relations of one name',
      () =>
        defineModel({
          name: 'Post',
          table: 'posts',
          fields: { id: f.id(), author_id: f.ref(Author), editor_id: f.ref(Author, { as: 'author' }) },
        }),
      'model Post.editor_id: relation "author" is named twice (set as)',
    ],
    [
      'onDelete on a field that is no reference',
      () =>
        defineModel({
          name: 'Post',
          table: 'posts',
          fields: { id: f.id(), n: f.integer({ onDelete: 'cascade' } as never) },
        }),
      'model Post.n: as and onDelete are options of f.ref',
    ],
  ])('%s', (_what, declare, message) => {
    expect(refusal(declare)).toBe(message);
  });

  it('relations are named after their field without _id, or by as', () => {
    const Post = defineModel({
      name: 'Post',
      table: 'posts',
      fields: {
        id: f.id(),
        author_id: f.ref(Author),
        editor: f.ref(Author, { as: 'edited_by', optional: true, onDelete: 'setNull' }),
      },
    });
    expect(Post.fields.map((x) => x.relation)).toEqual([
      undefined,
      { name: 'author', onDelete: 'restrict' },
      { name: 'edited_by', onDelete: 'setNull' },
    ]);
  });
});
