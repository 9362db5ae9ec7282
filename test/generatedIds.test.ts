/**
 * Records of a model declared with `f.id({ generated: true })` may come without an id: distdb
 * gives each one, unique across every shard and every process, drawn a block at a time.
 */

import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type AnyModel, type Distdb, openDistdb } from 'distdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/deployments.js';
import { withRaw } from './support/rawdb.js';
import { type SpreadBackend, spreadBackends } from './support/spread.js';

const SHARDS = ['t_0', 't_1', 't_2', 't_3'];
const DIST = resolve(import.meta.dirname, '../dist/index.js');

/** The models and config, in files, so that another process opens the same deployment. */
function writeConfig(dir: string, urls: Record<string, string>): void {
  writeFileSync(
    `${dir}/models.mjs`,
    `import { defineModel, f } from ${JSON.stringify(DIST)};
export const Ticket = defineModel({
  name: 'Ticket',
  table: 'tickets',
  fields: {
    id: f.id({ generated: true }),
    title: f.text({ minLength: 1, maxLength: 40 }),
    code: f.text({ maxLength: 20, unique: true }),
  },
});
export const Memo = defineModel({
  name: 'Memo',
  table: 'memos',
  fields: { id: f.id({ generated: true }), body: f.text({ maxLength: 40 }) },
});
`,
  );
  writeFileSync(
    `${dir}/distdb.config.mjs`,
    `import { Memo, Ticket } from './models.mjs';
export const models = [Ticket, Memo];
export const databases = ${JSON.stringify(urls)};
export const routes = { Memo: 'default' };
export const sharding = { Ticket: { key: 'id', strategy: 'hash', databases: ${JSON.stringify(SHARDS)} } };
`,
  );
}

/** Another process writing `calls` insertMany calls of `size` tickets at once; the ids it was given. */
function otherProcess(dir: string, calls: number, size: number): Promise<unknown[]> {
  const script = `import { openDistdb } from ${JSON.stringify(DIST)};
const db = await openDistdb({ env: {} });
const T = db.model('Ticket');
const calls = Array.from({ length: ${calls} }, (_, w) =>
  db.insertMany(T, Array.from({ length: ${size} }, (_, i) => ({ title: 'race', code: 'p' + w + '_' + i }))));
const outcomes = (await Promise.all(calls)).flat();
await db.close();
process.stdout.write(JSON.stringify(outcomes.map((o) => (o.ok ? o.id : o.code))));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  return new Promise((done, fail) =>
    child.on('close', (code) =>
      code === 0 ? done(JSON.parse(out)) : fail(new Error(`writer exited ${code}: ${err}`)),
    ),
  );
}

const BACKENDS = spreadBackends([['default', 't_0'], ['t_1'], ['t_2'], ['t_3']]);

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`generated ids on ${backend.name}`, () => {
    let dir = '';
    let urls: Record<string, string> = {};
    let drop = async () => {};
    const open: Distdb[] = [];
    const reopen = async () => {
      const db = await openDistdb({ env: {}, cwd: dir });
      open.push(db);
      return db;
    };
    let db: Distdb;
    let Ticket: AnyModel;
    let Memo: AnyModel;
    const nextId = async (model: string) =>
      withRaw(urls.default as string, async (raw) => {
        const rows = await raw.query('SELECT next_id FROM distdb_id_blocks WHERE model = ?', [model]);
        return Number(rows[0]?.next_id);
      });

    beforeAll(async () => {
      dir = tempDir('distdb-ids-');
      const made = await backend.urls(dir);
      urls = made.urls;
      drop = made.drop;
      writeConfig(dir, urls);
      db = await reopen();
      Ticket = db.model('Ticket');
      Memo = db.model('Memo');
      await db.makeMigrations();
      for (const r of await db.migrate()) if (r.status !== 'ok') throw new Error(`${r.alias}: ${r.error}`);
    });
    afterAll(async () => {
      for (const d of open) await d.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('insertMany gives each record a fresh id in input order, over every shard, from one block', async () => {
      const records = Array.from({ length: 2500 }, (_, i) => ({ title: `t${i}`, code: `c${i}` }));
      const outcomes = await db.insertMany(Ticket, records);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(outcomes.map((o) => o.id)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
      // One draw of exactly what the call needed.
      expect(await nextId('Ticket')).toBe(2501);
      const perShard = await Promise.all(
        SHARDS.map((s) =>
          withRaw(urls[s] as string, async (raw) =>
            Number((await raw.query('SELECT COUNT(*) AS n FROM tickets'))[0]?.n),
          ),
        ),
      );
      expect(perShard.every((n) => n > 400)).toBe(true);
      expect(perShard.reduce((a, b) => a + b, 0)).toBe(2500);
      const rows = await db.find(Ticket, { where: { id: { in: [1, 1250, 2500] } } });
      expect(rows.map((r) => [r.id, r.title])).toEqual([
        [1, 't0'],
        [1250, 't1249'],
        [2500, 't2499'],
      ]);
      expect(await db.count(Ticket)).toBe(2500);
    });

    it('single inserts share a block of 1,000: one draw, not one per record', async () => {
      const ids: unknown[] = [];
      for (let i = 0; i < 10; i++)
        ids.push((await db.insert(Ticket, { title: 'one', code: `single${i}` })).id);
      expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => 2501 + i));
      expect(await nextId('Ticket')).toBe(3501);
    });

    it('two processes writing at once never give one id twice', async () => {
      const other = otherProcess(dir, 8, 150);
      const mine = Array.from({ length: 8 }, (_, w) =>
        db.insertMany(
          Ticket,
          Array.from({ length: 150 }, (_, i) => ({ title: 'race', code: `r${w}_${i}` })),
        ),
      );
      const ids = [...(await Promise.all(mine)).flat().map((o) => (o.ok ? o.id : o.code)), ...(await other)];
      expect(ids.every((id) => typeof id === 'number')).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(await db.count(Ticket, { where: { title: 'race' } })).toBe(16 * 150);
    });

    it('a refused record is told its id; a given id is kept, and later ones start above it', async () => {
      const [bad] = await db.insertMany(Ticket, [{ title: '', code: 'bad' }]);
      expect(bad).toMatchObject({ ok: false, code: 'invalid_title' });
      expect(typeof bad?.id).toBe('number');
      const given = await db.insertMany(Memo, [
        { id: 5, body: 'five' },
        { id: 100, body: 'hundred' },
      ]);
      expect(given.map((o) => o.id)).toEqual([5, 100]);
      // The model's first block starts after the highest id its databases hold.
      const [fresh] = await db.insertMany(Memo, [{ body: 'fresh' }]);
      expect(fresh).toEqual({ ok: true, id: 101 });
    });

    it('in a transaction of the database the ids are drawn from, ids stay unique whatever rolls back', async () => {
      const before = await nextId('Memo');
      let rolledBack: unknown;
      await expect(
        db.transaction('default', async (tx) => {
          const o = await tx.insert(Memo, { body: 'rolled back' });
          expect(o.ok).toBe(true);
          rolledBack = o.id;
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      // SQLite's transaction holds the file: its ids were drawn in it, and the rollback gave them
      // back. A server's are drawn outside it, as a sequence's: the rollback leaves a gap.
      if (backend.name === 'sqlite') expect(await nextId('Memo')).toBe(before);
      const kept = await db.transaction('default', (tx) =>
        tx.insertMany(Memo, [{ body: 'a' }, { body: 'b' }]),
      );
      expect(kept.every((o) => o.ok)).toBe(true);
      const stored = await db.find(Memo);
      const ids = stored.map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(stored.some((m) => m.body === 'rolled back')).toBe(false);
      if (backend.name !== 'sqlite') expect(kept.map((o) => o.id)).not.toContain(rolledBack);
    });

    it.skipIf(backend.name === 'sqlite')(
      'a transaction that drew ids holds no lock on them: others draw meanwhile',
      async () => {
        const other = await reopen();
        let drawn: unknown;
        await db.transaction('default', async (tx) => {
          expect(
            (
              await tx.insertMany(
                Memo,
                Array.from({ length: 1500 }, () => ({ body: 'in tx' })),
              )
            )[0]?.ok,
          ).toBe(true);
          drawn = (await other.insertMany(Memo, [{ body: 'meanwhile' }]))[0];
        });
        expect(drawn).toMatchObject({ ok: true });
      },
    );
  });
}

describe('generated ids, first drawn in a transaction that rolls back', () => {
  it('leave no trace: the next draw makes the table again and starts at 1', async () => {
    const dir = tempDir('distdb-ids-tx-');
    try {
      const made = await (BACKENDS[0] as SpreadBackend).urls(dir);
      writeConfig(dir, made.urls);
      const db = await openDistdb({ env: {}, cwd: dir });
      try {
        await db.makeMigrations();
        await db.migrate();
        const Memo = db.model('Memo');
        await expect(
          db.transaction('default', async (tx) => {
            expect((await tx.insert(Memo, { body: 'gone' })).ok).toBe(true);
            throw new Error('undo');
          }),
        ).rejects.toThrow('undo');
        expect(await db.insert(Memo, { body: 'kept' })).toEqual({ ok: true, id: 1 });
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
