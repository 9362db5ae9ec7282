import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const DIST_INDEX = pathToFileURL(resolve(import.meta.dirname, '../../dist/index.js')).href;

/**
 * Writes `distdb.config.mjs` for a blog of authors and posts in `dir`, in one SQLite file
 * (`blog`) beside distdb's own (`default`). `postFields` are the Post fields after id, author_id
 * and title, as source text.
 */
export function writeBlogConfig(dir: string, postFields = ''): void {
  const url = (name: string) => `sqlite:${join(dir, 'data', `${name}.db`)}`;
  writeFileSync(
    join(dir, 'distdb.config.mjs'),
    `import { defineModel, f } from '${DIST_INDEX}';
const Author = defineModel({
  name: 'Author',
  table: 'authors',
  fields: { id: f.id(), name: f.text({ minLength: 1, maxLength: 50 }) },
});
const Post = defineModel({
  name: 'Post',
  table: 'posts',
  fields: { id: f.id(), author_id: f.ref(Author), title: f.text({ maxLength: 100 }), ${postFields} },
});
export default {
  models: [Author, Post],
  databases: { default: '${url('default')}', blog: '${url('blog')}' },
  routes: { Author: 'blog', Post: 'blog' },
};
`,
  );
}

export function migrationFiles(dir: string): string[] {
  return readdirSync(join(dir, 'migrations')).sort();
}

export function migrationFile(dir: string, name: string): { operations: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(join(dir, 'migrations', name), 'utf8'));
}
