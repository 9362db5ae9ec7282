/**
 * Transactions across databases (`atomic`): all of a callback's writes commit or none, through
 * kill -9 at any moment and recovery, on two PostgreSQL servers and MariaDB, and with a SQLite
 * file taking part as the one database without two-phase commit.
 */

import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Distdb, openDistdb } from 'distdb';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNTS,
  type Acked,
  BANK_BACKENDS,
  OPENING_BALANCE,
  preparedLeft,
  readAcked,
  startBank,
  writeBankConfig,
} from './support/bankSchema.js';
import { runCli } from './support/cli.js';
import { serverDatabases, tempDir } from './support/deployments.js';
import { clusterUnavailable, createCluster, type PgCluster } from './support/pgCluster.js';
import { skipWithNotice } from './support/prerequisites.js';
import { sleep } from './support/processes.js';
import { POSTGRES_NODES, SERVERS, type ServerBackend, serverAvailable } from './support/servers.js';

type Rec = Record<string, unknown>;

for (const backend of BANK_BACKENDS) {
  describe.skipIf(!backend.available)(`atomic on ${backend.name}`, () => {
    let dir = '';
    let urls: Record<string, string> = {};
    let drop = async () => {};
    let prefix = '';
    const opened: Distdb[] = [];
    const reopen = async () => {
      const db = await openDistdb({ env: {}, cwd: dir });
      opened.push(db);
      return db;
    };

    beforeAll(async () => {
      dir = tempDir('distdb-atomic-');
      const made = await backend.urls(dir);
      urls = made.urls;
      drop = made.drop;
      writeBankConfig(dir, urls, backend.accounts);
      const db = await reopen();
      prefix = db.atomicPrefix;
      await db.makeMigrations();
      for (const r of await db.migrate()) if (r.status !== 'ok') throw new Error(`${r.alias}: ${r.error}`);
      const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
        id: i + 1,
        owner: `owner ${i + 1}`,
        balance: OPENING_BALANCE,
      }));
      expect((await db.insertMany(db.model('Account'), accounts)).every((o) => o.ok)).toBe(true);
    }, 120_000);

    afterAll(async () => {
      for (const db of opened) await db.close();
      // A database holding prepared transactions cannot be dropped.
      runCli(['recover'], { cwd: dir });
      await drop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Two accounts in different databases. */
    async function apart(db: Distdb): Promise<[number, number]> {
      const Account = db.model('Account');
      const first = db.writeAlias(Account, { record: { id: 1 } });
      for (let id = 2; id <= ACCOUNTS; id++)
        if (db.writeAlias(Account, { record: { id } }) !== first) return [1, id];
      throw new Error('every account is in one database');
    }

    it('commits the writes of every database it reached, or none of them', async () => {
      const db = await reopen();
      const Account = db.model('Account');
      const Transfer = db.model('Transfer');
      const [a, b] = await apart(db);
      const balance = async (id: number) => ((await db.get(Account, id)) as Rec).balance as number;
      const [a0, b0] = [await balance(a), await balance(b)];

      await expect(
        db.atomic(async (tx) => {
          expect((await tx.update(Account, a, { balance: a0 - 5 })).ok).toBe(true);
          expect((await tx.update(Account, b, { balance: b0 + 5 })).ok).toBe(true);
          // Reads inside see the transaction's own writes.
          expect(((await tx.get(Account, a)) as Rec).balance).toBe(a0 - 5);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect([await balance(a), await balance(b)]).toEqual([a0, b0]);

      // A failed outcome the callback rethrows rolls back what came before it.
      await expect(
        db.atomic(async (tx) => {
          await tx.update(Account, a, { balance: a0 - 7 });
          const o = await tx.update(Account, b, { balance: -1 });
          if (!o.ok) throw new Error(o.message);
        }),
      ).rejects.toThrow(/balance/);
      expect([await balance(a), await balance(b)]).toEqual([a0, b0]);

      const stats = { ...db.atomicStats };
      await db.atomic(async (tx) => {
        await tx.update(Account, a, { balance: a0 - 9 });
        await tx.update(Account, b, { balance: b0 + 9 });
        const o = await tx.insert(Transfer, { id: 1_000_000, from_id: a, to_id: b, amount: 9 });
        if (!o.ok) throw new Error(o.message);
      });
      expect([await balance(a), await balance(b)]).toEqual([a0 - 9, b0 + 9]);
      expect(await db.get(Transfer, 1_000_000)).toMatchObject({ from_id: a, to_id: b, amount: 9 });
      expect(db.atomicStats.committed).toBe(stats.committed + 1);
      expect(db.atomicStats.rolledBack).toBe(2);
      // Put back, so the bank's books balance.
      await db.atomic(async (tx) => {
        await tx.update(Account, a, { balance: a0 });
        await tx.update(Account, b, { balance: b0 });
        await tx.delete(Transfer, 1_000_000);
      });
      expect(await preparedLeft(urls, db.atomicPrefix)).toEqual([]);
    });

    it('a tx kept past its callback is refused', async () => {
      const db = await reopen();
      const Account = db.model('Account');
      let kept: { get(m: unknown, id: number): Promise<unknown> } | undefined;
      await db.atomic(async (tx) => {
        kept = tx as never;
        await tx.get(Account, 1);
      });
      await expect(kept?.get(Account, 1)).rejects.toThrow(/after it ended/);
    });

    for (const [at, outcome] of [
      ['atomic-prepared', 'rolled back'],
      ['atomic-decided', 'committed'],
    ] as const) {
      it(`killed at ${at}: recover leaves the transfer ${outcome} and nothing prepared`, async () => {
        const log = join(dir, `acked-${at}.log`);
        const pause = join(dir, `pause-${at}`);
        const base = at === 'atomic-prepared' ? 2_000_000 : 3_000_000;
        // Where the log's database holds accounts, every transfer record is written there.
        const logWritten = backend.accounts.includes('default');
        const here = await reopen();
        const Transfer = here.model('Transfer');
        const ids = logWritten
          ? Array.from({ length: 3_000 }, (_, k) => base + k).filter(
              (id) => here.writeAlias(Transfer, { record: { id } }) === 'default',
            )
          : undefined;
        const bank = startBank(dir, {
          base,
          ids,
          workers: 1,
          log,
          stop: join(dir, 'stop-pause'),
          env: { DISTDB_PAUSE_AT: at, DISTDB_PAUSE_FILE: pause },
        });
        for (let i = 0; i < 600 && !(await exists(pause)); i++) await sleep(50);
        expect(await exists(pause)).toBe(true);
        // Written, the log's database is not prepared: it commits last, in one phase with the decision.
        if (logWritten) expect(await preparedLeft({ default: urls.default as string }, prefix)).toEqual([]);
        const inDoubt = () =>
          (JSON.parse(runCli(['databases', '--json'], { cwd: dir }).stdout) as { inDoubt?: number }[]).reduce(
            (n, d) => n + (d.inDoubt ?? 0),
            0,
          );
        // Its coordinator is alive: opening another process leaves the branches alone.
        expect(inDoubt()).toBeGreaterThan(0);
        bank.child.kill('SIGKILL');
        await bank.done;
        rmSync(pause, { force: true });
        expect((await preparedLeft(urls, prefix)).length).toBeGreaterThan(0);
        const r = runCli(['recover', '--json'], { cwd: dir });
        expect(r.code, r.stderr).toBe(0);
        const done = JSON.parse(r.stdout) as { branches: { action: string }[] };
        expect(done.branches.length).toBeGreaterThan(0);
        expect(done.branches.every((b) => b.action === outcome)).toBe(true);
        expect(await preparedLeft(urls, prefix)).toEqual([]);
        expect(inDoubt()).toBe(0);
        await checkBooks(await reopen(), readAcked(log));
      }, 60_000);
    }

    // The 30 s bank runs on the first two layouts; the third (default on MariaDB) takes the kill points.
    if (backend.bank)
      it('bank: 16 callers killed with kill -9 again and again; money is conserved and every acknowledged transfer stored', async () => {
        const log = join(dir, 'acked-bank.log');
        const stop = join(dir, 'stop-bank');
        let kills = 0;
        const started = Date.now();
        for (let round = 0; kills < 20 || Date.now() - started < 30_000; round++) {
          const before = readAcked(log).length;
          const bank = startBank(dir, { base: 10_000_000 + round * 100_000, workers: 16, log, stop });
          // Killed at a random moment once it is under way (its first transfer acknowledged).
          for (let i = 0; i < 200 && readAcked(log).length === before; i++) await sleep(50);
          await sleep(Math.floor(Math.random() * 700));
          bank.child.kill('SIGKILL');
          const end = await bank.done;
          expect(end.signal, end.stderr).toBe('SIGKILL');
          kills++;
          // Every other round the next process's own open recovers; the others run recover first.
          if (round % 2 === 0) {
            const recovered = runCli(['recover'], { cwd: dir });
            expect(recovered.code, recovered.stderr).toBe(0);
          }
        }
        const r = runCli(['recover'], { cwd: dir });
        expect(r.code, r.stderr).toBe(0);
        expect(await preparedLeft(urls, prefix)).toEqual([]);
        const acked = readAcked(log);
        // At least one acknowledged transfer per process killed, on a loaded machine too.
        expect(acked.length).toBeGreaterThanOrEqual(kills);
        await checkBooks(await reopen(), acked);
      }, 180_000);
  });
}

async function exists(path: string): Promise<boolean> {
  const { existsSync } = await import('node:fs');
  return existsSync(path);
}

/**
 * The books balance: each account holds its opening balance plus what the stored transfers
 * brought in minus what they took out, none is negative, the total is unchanged, and every
 * acknowledged transfer is stored.
 */
async function checkBooks(db: Distdb, acked: readonly Acked[]): Promise<void> {
  const accounts = await db.find(db.model('Account'), {});
  const transfers = (await db.find(db.model('Transfer'), {})) as Rec[];
  const expected = new Map(accounts.map((a) => [(a as Rec).id as number, OPENING_BALANCE]));
  for (const t of transfers) {
    const amount = t.amount as number;
    expected.set(t.from_id as number, (expected.get(t.from_id as number) ?? 0) - amount);
    expected.set(t.to_id as number, (expected.get(t.to_id as number) ?? 0) + amount);
  }
  expect(accounts).toHaveLength(ACCOUNTS);
  for (const a of accounts as Rec[]) {
    expect(a.balance, `account ${a.id}`).toBe(expected.get(a.id as number));
    expect(a.balance as number).toBeGreaterThanOrEqual(0);
  }
  expect(accounts.reduce((s, a) => s + ((a as Rec).balance as number), 0)).toBe(ACCOUNTS * OPENING_BALANCE);
  const stored = new Set(transfers.map((t) => t.id as number));
  expect(acked.filter((t) => !stored.has(t.id))).toEqual([]);
}

const passwordPostgres = SERVERS.find((s) => s.backend === 'postgres') as ServerBackend;
const node = POSTGRES_NODES[0] as ServerBackend;

describe.skipIf(!serverAvailable(passwordPostgres) || !serverAvailable(node))(
  'atomic with a server whose prepared transactions are off',
  () => {
    let dir = '';
    let db: Distdb;
    const made: { drop(): Promise<void> }[] = [];
    let urls: Record<string, string> = {};
    beforeAll(async () => {
      dir = tempDir('distdb-atomic-off-');
      // The password server keeps max_prepared_transactions at its default, 0.
      const off = await serverDatabases(passwordPostgres, ['acc_a', 'acc_b']);
      const on = await serverDatabases(node, ['acc_c']);
      made.push(off, on);
      const { drop: _off, ...uOff } = off;
      const { drop: _on, ...uOn } = on;
      urls = { ...uOff, ...uOn };
      writeBankConfig(dir, { default: `sqlite:${dir}/default.db`, ...urls });
      db = await openDistdb({ env: {}, cwd: dir });
      await db.makeMigrations();
      await db.migrate();
      const ids = Array.from({ length: 12 }, (_, i) => i + 1);
      await db.insertMany(
        db.model('Account'),
        ids.map((id) => ({ id, owner: 'o', balance: 10 })),
      );
    }, 60_000);
    afterAll(async () => {
      await db.close();
      for (const m of made) await m.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    const on = (alias: string) =>
      Array.from({ length: 12 }, (_, i) => i + 1).find(
        (id) => db.writeAlias(db.model('Account'), { record: { id } }) === alias,
      ) as number;

    it('takes part as the one database without two-phase commit: all or nothing still', async () => {
      const Account = db.model('Account');
      const [a, c] = [on('acc_a'), on('acc_c')];
      await expect(
        db.atomic(async (tx) => {
          await tx.update(Account, a, { balance: 4 });
          await tx.update(Account, c, { balance: 16 });
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      expect([(await db.get(Account, a))?.balance, (await db.get(Account, c))?.balance]).toEqual([10, 10]);
      await db.atomic(async (tx) => {
        await tx.update(Account, a, { balance: 4 });
        await tx.update(Account, c, { balance: 16 });
      });
      expect([(await db.get(Account, a))?.balance, (await db.get(Account, c))?.balance]).toEqual([4, 16]);
      expect(await preparedLeft(urls, db.atomicPrefix)).toEqual([]);
    });

    it('two such databases are refused with a one-line error naming them and the setting; nothing is written', async () => {
      const Account = db.model('Account');
      const [a, b] = [on('acc_a'), on('acc_b')];
      const before = [(await db.get(Account, a))?.balance, (await db.get(Account, b))?.balance];
      const err = await db
        .atomic(async (tx) => {
          await tx.update(Account, a, { balance: 1 });
          await tx.update(Account, b, { balance: 2 });
        })
        .catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toMatch(/"acc_a" and "acc_b" both lack two-phase commit/);
      expect(message).toMatch(/max_prepared_transactions is 0/);
      expect(message).not.toContain('s3cr3t');
      expect([(await db.get(Account, a))?.balance, (await db.get(Account, b))?.balance]).toEqual(before);
    });
  },
);

const maria = SERVERS.find((s) => s.backend === 'mysql') as ServerBackend;

describe.skipIf(!serverAvailable(node) || !serverAvailable(maria))(
  'delete cascading across databases',
  () => {
    it('runs in one atomic transaction: a failure in the last database leaves the dependents in place', async () => {
      const dir = tempDir('distdb-atomic-cascade-');
      const authors = await serverDatabases(node, ['default', 'authors']);
      const posts = await serverDatabases(maria, ['posts']);
      const { drop: _a, ...ua } = authors;
      const { drop: _p, ...up } = posts;
      writeFileSync(
        join(dir, 'distdb.config.mjs'),
        `import { defineModel, f } from ${JSON.stringify(resolve(import.meta.dirname, '../dist/index.js'))};
const Author = defineModel({ name: 'Author', table: 'authors', fields: { id: f.id(), name: f.text({ maxLength: 40 }) } });
const Post = defineModel({ name: 'Post', table: 'posts', fields: { id: f.id(), author_id: f.ref(Author, { onDelete: 'cascade' }), title: f.text({ maxLength: 40 }) } });
export const models = [Author, Post];
export const databases = ${JSON.stringify({ ...ua, ...up })};
export const routes = { Author: 'authors', Post: 'posts' };
`,
      );
      const db = await openDistdb({ env: {}, cwd: dir });
      try {
        await db.makeMigrations();
        await db.migrate();
        const [Author, Post] = [db.model('Author'), db.model('Post')];
        await db.insertMany(Author, [
          { id: 1, name: 'kept' },
          { id: 2, name: 'gone' },
        ]);
        await db.insertMany(Post, [
          { id: 10, author_id: 1, title: 'a' },
          { id: 11, author_id: 1, title: 'b' },
          { id: 20, author_id: 2, title: 'c' },
        ]);
        // The author's own database refuses the last step of the delete.
        const k = await db.using('authors');
        await sql`CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF OLD.id = 1 THEN RAISE EXCEPTION 'author 1 stays'; END IF; RETURN OLD; END $$ LANGUAGE plpgsql`.execute(
          k,
        );
        await sql`CREATE TRIGGER refuse BEFORE DELETE ON authors FOR EACH ROW EXECUTE FUNCTION refuse()`.execute(
          k,
        );
        await expect(db.delete(Author, 1)).rejects.toThrow(/author 1 stays/);
        expect((await db.find(Post, { where: { author_id: 1 } })).map((p) => p.id)).toEqual([10, 11]);
        expect(await db.get(Author, 1)).toBeDefined();
        expect(await db.delete(Author, 2)).toEqual({
          ok: true,
          id: 2,
          deleted: { Author: 1, Post: 1 },
          detached: {},
        });
        expect(await db.count(Post)).toBe(2);
        expect(await preparedLeft({ ...ua, ...up }, db.atomicPrefix)).toEqual([]);
      } finally {
        await db.close();
        await authors.drop();
        await posts.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

const noCluster = skipWithNotice(
  'atomic outage suite (a dedicated PostgreSQL cluster)',
  clusterUnavailable(),
);

describe.skipIf(noCluster || !serverAvailable(node))('atomic with a participant down in phase two', () => {
  it('the transfer is acknowledged once decided; restarted, recovery commits its branch there', async () => {
    const cluster: PgCluster = await createCluster({ max_prepared_transactions: '10' });
    const dir = tempDir('distdb-atomic-outage-');
    const here = await serverDatabases(node, ['acc_a', 'acc_c']);
    const there = await serverDatabases({ backend: 'postgres', adminUrl: cluster.adminUrl }, ['acc_b']);
    const { drop: _h, ...uh } = here;
    const { drop: _t, ...ut } = there;
    const urls = { default: `sqlite:${dir}/default.db`, ...uh, ...ut };
    writeBankConfig(dir, urls);
    const db = await openDistdb({ env: {}, cwd: dir });
    const prefix = db.atomicPrefix;
    try {
      await db.makeMigrations();
      await db.migrate();
      const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
        id: i + 1,
        owner: 'o',
        balance: OPENING_BALANCE,
      }));
      await db.insertMany(db.model('Account'), accounts);
      // Every transfer records itself on the server that goes down.
      const Transfer = db.model('Transfer');
      const ids = Array.from({ length: 3000 }, (_, i) => i + 1).filter(
        (id) => db.writeAlias(Transfer, { record: { id } }) === 'acc_b',
      );
      await db.close();
      const log = join(dir, 'acked.log');
      const pause = join(dir, 'pause');
      const stop = join(dir, 'stop');
      const bank = startBank(dir, {
        base: 1,
        workers: 1,
        log,
        stop,
        env: { DISTDB_PAUSE_AT: 'atomic-decided', DISTDB_PAUSE_FILE: pause },
        ids,
      });
      // Decided, then the second server goes before the branch there commits.
      for (let i = 0; i < 600 && !(await exists(pause)); i++) await sleep(50);
      expect(await exists(pause)).toBe(true);
      cluster.stopImmediately();
      rmSync(pause, { force: true });
      // The paused transfer is acknowledged: its decision is stored.
      for (let i = 0; i < 200 && readAcked(log).length === 0; i++) await sleep(50);
      expect(readAcked(log).length).toBeGreaterThan(0);
      writeFileSync(stop, '');
      await bank.done;
      cluster.start();
      const r = runCli(['recover', '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const done = JSON.parse(r.stdout) as { branches: { alias: string; action: string }[] };
      expect(done.branches).toContainEqual(expect.objectContaining({ alias: 'acc_b', action: 'committed' }));
      expect(await preparedLeft(urls, prefix)).toEqual([]);
      const after = await openDistdb({ env: {}, cwd: dir });
      await checkBooks(after, readAcked(log));
      await after.close();
    } finally {
      await here.drop();
      await there.drop().catch(() => {});
      cluster.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
