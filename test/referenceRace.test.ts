import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Distdb, OrderModel, openDistdb, ProductModel, UserModel } from '../dist/index.js';
import { serverDatabases } from './support/deployments.js';
import { POSTGRES_NODES, SERVERS, type ServerBackend, serverAvailable } from './support/servers.js';

// A server that allows prepared transactions, and MariaDB.
const postgres = POSTGRES_NODES[0] as ServerBackend;
const mariadb = SERVERS.find((s) => s.backend === 'mysql') as ServerBackend;
const servers = serverAvailable(postgres) && serverAvailable(mariadb);
if (!servers) console.log('reference race suite: PostgreSQL or MariaDB not reachable, skipped');

const USERS = 300;

describe.skipIf(!servers)(
  'inserts and deletes racing across databases (users on PostgreSQL, orders on MariaDB)',
  () => {
    let db: Distdb;
    let urls: Record<string, string> = {};
    let drop = async () => {};

    beforeAll(async () => {
      const pgDbs = await serverDatabases(postgres, ['users', 'products']);
      const my = await serverDatabases(mariadb, ['orders']);
      drop = async () => void (await Promise.all([pgDbs.drop(), my.drop()]));
      const dir = mkdtempSync(join(tmpdir(), 'distdb-race-'));
      urls = {
        default: `sqlite:${dir}/default.db`,
        users: `${pgDbs.users}?pool=9`,
        products: `${pgDbs.products}?pool=9`,
        orders: `${my.orders}?pool=9`,
      };
      db = await openDistdb({ urls, env: {} });
      await db.migrate();
      await db.insertMany(
        UserModel,
        Array.from({ length: USERS }, (_, i) => ({
          id: i + 1,
          name: `user ${i}`,
          email: `u${i}@example.com`,
        })),
      );
      await db.insertMany(ProductModel, [{ id: 1, name: 'thing', price: '1.00' }]);
    }, 60_000);
    /**
     * Read from the databases themselves: no order (of ids from `fromId` on) references a user
     * that is gone, every order placed is stored, and every user deleted is gone.
     */
    const expectIntact = async (placed: number[], deleted: number[], fromId: number) => {
      const c = new pg.Client({ connectionString: urls.users?.split('?')[0] });
      await c.connect();
      const users = new Set((await c.query('SELECT id FROM users')).rows.map((r) => Number(r.id)));
      await c.end();
      const m = await mysql.createConnection(urls.orders?.split('?')[0] as string);
      const [rows] = await m.query('SELECT id, user_id FROM orders WHERE id >= ?', [fromId]);
      await m.end();
      const orders = rows as { id: number; user_id: number }[];
      expect(orders.filter((o) => !users.has(Number(o.user_id)))).toEqual([]);
      const stored = new Set(orders.map((o) => Number(o.id)));
      expect(placed.filter((id) => !stored.has(id))).toEqual([]);
      expect(deleted.filter((id) => users.has(id))).toEqual([]);
    };

    afterAll(async () => {
      await db?.close();
      await drop();
    });

    it('no order is left referencing a user a delete removed; every acknowledged write is stored', async () => {
      const placed: number[] = [];
      const deleted: number[] = [];
      // Each user is raced for once: an order placed for it and its delete, started together.
      const race = async (user: number) => {
        const [o, d] = await Promise.all([
          db.insert(OrderModel, { id: user, user_id: user, product_id: 1, quantity: 1 }),
          db.delete(UserModel, user),
        ]);
        if (o.ok) placed.push(user);
        else expect(o.code).toBe('unknown_user');
        if (d.ok) deleted.push(user);
        else expect(d.code).toBe('referenced');
      };
      const streams = 6;
      await Promise.all(
        Array.from({ length: streams }, async (_, s) => {
          for (let user = 1 + s; user <= USERS; user += streams) await race(user);
        }),
      );
      // Each race ends one way or the other, never both; and both ways happened.
      console.log(`reference race: ${placed.length} orders placed, ${deleted.length} users deleted`);
      expect(placed.length + deleted.length).toBe(USERS);
      expect(placed.length).toBeGreaterThan(0);
      expect(deleted.length).toBeGreaterThan(0);

      await expectIntact(placed, deleted, 0);
    }, 60_000);

    it('an insertMany racing deletes of the users it references leaves no order dangling', async () => {
      // Users of their own, raced as above: two orders for each in one insertMany, and its delete.
      const base = 1_000;
      await db.insertMany(
        UserModel,
        Array.from({ length: USERS }, (_, i) => ({
          id: base + i,
          name: `user ${base + i}`,
          email: `many${i}@example.com`,
        })),
      );
      const placed: number[] = [];
      const deleted: number[] = [];
      const race = async (user: number) => {
        const orders = [0, 1].map((k) => ({ id: 10 * user + k, user_id: user, product_id: 1, quantity: 1 }));
        const [outcomes, d] = await Promise.all([
          db.insertMany(OrderModel, orders),
          db.delete(UserModel, user),
        ]);
        for (const o of outcomes) if (!o.ok) expect(o.code).toBe('unknown_user');
        placed.push(...outcomes.filter((o) => o.ok).map((o) => Number(o.id)));
        if (d.ok) deleted.push(user);
        else expect(d.code).toBe('referenced');
      };
      const streams = 6;
      await Promise.all(
        Array.from({ length: streams }, async (_, s) => {
          for (let user = base + s; user < base + USERS; user += streams) await race(user);
        }),
      );
      console.log(`insertMany race: ${placed.length} orders placed, ${deleted.length} users deleted`);
      expect(placed.length).toBeGreaterThan(0);
      expect(deleted.length).toBeGreaterThan(0);
      await expectIntact(placed, deleted, 10 * base);
    }, 60_000);
  },
);
