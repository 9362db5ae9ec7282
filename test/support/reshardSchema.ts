import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { spreadBackends } from './spread.js';

const DIST = resolve(import.meta.dirname, '../../dist/index.js');

export const OLD_SHARDS = ['posts_0', 'posts_1', 'posts_2', 'posts_3'];
export const NEW_SHARDS = [...OLD_SHARDS, 'posts_4', 'posts_5'];

/** Posts hash-sharded by id over four databases, and Tags (unsharded) that hold on to them. */
export function writeReshardConfig(dir: string, urls: Record<string, string>): void {
  writeFileSync(
    `${dir}/models.mjs`,
    `import { defineModel, f } from ${JSON.stringify(DIST)};
export const Post = defineModel({
  name: 'Post',
  table: 'posts',
  fields: {
    id: f.id(),
    author: f.text({ minLength: 1, maxLength: 40 }),
    score: f.integer({ min: 0 }),
    body: f.text({ maxLength: 200, optional: true }),
  },
});
export const Tag = defineModel({
  name: 'Tag',
  table: 'tags',
  fields: { id: f.id(), post_id: f.ref(Post, { onDelete: 'cascade' }), label: f.text({ maxLength: 20 }) },
});
`,
  );
  writeFileSync(
    `${dir}/distdb.config.mjs`,
    `import { Post, Tag } from './models.mjs';
export const models = [Post, Tag];
export const databases = ${JSON.stringify(urls)};
export const routes = { Tag: 'default' };
export const sharding = { Post: { key: 'id', strategy: 'hash', databases: ${JSON.stringify(OLD_SHARDS)} } };
`,
  );
}

/** SQLite files; and the old shards on three PostgreSQL servers and MariaDB, the new ones on two of the servers. */
export const RESHARD_BACKENDS = spreadBackends([
  ['default', 'posts_0', 'posts_4'],
  ['posts_1', 'posts_5'],
  ['posts_2'],
  ['posts_3'],
]);

/** One acknowledged write of a writer process, as it logged it. */
export type Ack =
  | { op: 'insert'; id: number; record: Record<string, unknown> }
  | { op: 'update'; id: number; patch: Record<string, unknown> }
  | { op: 'delete'; id: number }
  | { op: 'error'; id: number; message: string };

/**
 * A process writing posts with ids from `base` on until `stop` exists: single inserts and
 * insertMany calls of 20, an update and a delete now and then, each acknowledged write logged
 * to `log` as a line once distdb has returned it.
 */
export function startWriter(dir: string, base: number, log: string, stop: string) {
  const script = `import { appendFileSync, existsSync } from 'node:fs';
import { openDistdb } from ${JSON.stringify(DIST)};
const db = await openDistdb({ env: {} });
const Post = db.model('Post');
const note = (a) => appendFileSync(${JSON.stringify(log)}, JSON.stringify(a) + '\\n');
const post = (id) => ({ id, author: 'writer ' + ${base}, score: id % 1000, body: 'written during the reshard' });
let next = ${base};
for (let round = 0; !existsSync(${JSON.stringify(stop)}); round++) {
  try {
    if (round % 2 === 0) {
      const r = post(next++);
      const o = await db.insert(Post, r);
      if (o.ok) note({ op: 'insert', id: r.id, record: r });
    } else {
      const rs = Array.from({ length: 20 }, () => post(next++));
      const os = await db.insertMany(Post, rs);
      os.forEach((o, i) => { if (o.ok) note({ op: 'insert', id: rs[i].id, record: rs[i] }); });
    }
    if (round % 5 === 4) {
      const id = next - 7;
      const o = await db.update(Post, id, { score: round });
      if (o.ok) note({ op: 'update', id, patch: { score: round } });
    }
    if (round % 9 === 8) {
      const id = next - 13;
      const o = await db.delete(Post, id);
      if (o.ok) note({ op: 'delete', id });
    }
  } catch (err) {
    note({ op: 'error', id: next, message: String(err && err.message) });
  }
}
await db.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const done = new Promise<void>((ok, fail) =>
    child.on('close', (code) => (code === 0 ? ok() : fail(new Error(`writer exited ${code}: ${err}`)))),
  );
  return { child, done };
}

/** The acknowledged writes of a log, in order. */
export function readAcks(log: string): Ack[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Ack);
}
