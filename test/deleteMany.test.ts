import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { defineModel, f, openDistdb } from 'distdb';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/deployments.js';

const Author = defineModel({ name: 'Author', table: 'authors', fields: { id: f.id(), name: f.text() } });
const Post = defineModel({
  name: 'Post',
  table: 'posts',
  fields: { id: f.id(), author_id: f.ref(Author, { onDelete: 'cascade' }), title: f.text() },
});

const dir = tempDir('distdb-delete-many-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('delete with many dependents', () => {
  it('cascades to more records than one statement may name (SQLite binds at most 32,766 values)', async () => {
    const db = await openDistdb({
      models: [Author, Post],
      migrations: join(dir, 'migrations'),
      databases: {
        default: `sqlite:${join(dir, 'default.db')}`,
        authors: `sqlite:${join(dir, 'authors.db')}`,
        posts: `sqlite:${join(dir, 'posts.db')}`,
      },
      env: {},
      cwd: dir,
    });
    try {
      await db.makeMigrations();
      await db.migrate();
      await db.insertMany(Author, [
        { id: 1, name: 'Ann' },
        { id: 2, name: 'Bob' },
      ]);
      const posts = Array.from({ length: 40_000 }, (_, i) => ({ id: i + 1, author_id: 1, title: `p${i}` }));
      const written = await db.insertMany(Post, [...posts, { id: 40_001, author_id: 2, title: 'kept' }]);
      expect(written.every((o) => o.ok)).toBe(true);
      expect(await db.delete(Author, 1)).toEqual({
        ok: true,
        id: 1,
        deleted: { Post: 40_000, Author: 1 },
        detached: {},
      });
      expect(await db.count(Post)).toBe(1);
      expect(await db.count(Author)).toBe(1);
    } finally {
      await db.close();
    }
  });
});
