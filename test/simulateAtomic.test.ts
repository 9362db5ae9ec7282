import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDistdb } from '../dist/index.js';
import type { RunReport } from '../dist/reporting/report.js';
import { preparedLeft } from './support/bankSchema.js';
import { expectOneLineError, runCli } from './support/cli.js';
import { serverDatabases, tempDir } from './support/deployments.js';
import { killAt } from './support/pause.js';
import { urlFlags } from './support/processes.js';
import { POSTGRES_NODES, SERVERS, type ServerBackend, serverAvailable } from './support/servers.js';

const DIST = resolve(import.meta.dirname, '../dist/index.js');
// A server that allows prepared transactions (the suites' own has max_prepared_transactions = 0).
const postgres = POSTGRES_NODES[0] as ServerBackend;
const mariadb = SERVERS.find((s) => s.backend === 'mysql') as ServerBackend;
const servers = serverAvailable(postgres) && serverAvailable(mariadb);
if (!servers) console.log('simulate --atomic suite: PostgreSQL or MariaDB not reachable, skipped');

/** Writes into `dir` a config of the stock shop (products with a stock, orders drawing on it). */
function writeStockShop(dir: string, urls: Record<string, string>): void {
  writeFileSync(
    join(dir, 'distdb.config.mjs'),
    `import { stockShopSchema } from ${JSON.stringify(DIST)};
export const models = stockShopSchema.models;
export const migrations = stockShopSchema.migrations;
export const databases = ${JSON.stringify(urls)};
`,
  );
}

const DATASET = ['--dataset', 'generated', '--records', '600', '--seed', '7', '--no-progress'];

function simulateJson(dir: string, args: string[]): RunReport {
  const r = runCli(['simulate', ...DATASET, '--json', ...args], { cwd: dir });
  if (r.code !== 0) throw new Error(`simulate exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as RunReport;
}

/** What a run decided, record by record, whatever its timings. */
function outcomes(r: RunReport) {
  return {
    totals: r.totals,
    models: r.models,
    failuresByCode: r.failuresByCode,
    failures: r.failures.map((f) => [f.model, f.id, f.code, f.message]),
  };
}

describe.skipIf(!servers)(
  'simulate --atomic: orders and stock in one transaction across PostgreSQL and MariaDB',
  () => {
    let dir = '';
    let urls: Record<string, string> = {};
    let drop = async () => {};
    let baseline: RunReport;

    beforeAll(async () => {
      const products = await serverDatabases(postgres, ['products']);
      const orders = await serverDatabases(mariadb, ['orders']);
      drop = async () => void (await Promise.all([products.drop(), orders.drop()]));
      dir = tempDir('distdb-atomic-sim-');
      urls = {
        default: `sqlite:${dir}/default.db`,
        users: `sqlite:${dir}/users.db`,
        products: products.products as string,
        orders: orders.orders as string,
      };
      writeStockShop(dir, urls);
      expect(runCli(['migrate'], { cwd: dir }).code).toBe(0);
      baseline = simulateJson(dir, ['--atomic', '--threads', '1']);
    }, 180_000);
    afterAll(async () => {
      // A run stopped part-way may have left transactions prepared: they are ended before the drop.
      runCli(['recover'], { cwd: dir });
      await drop();
    });

    /** Per product: stock left (PostgreSQL) and quantity ordered (MariaDB), read with the plain drivers. */
    async function books(): Promise<{ left: Map<number, number>; drawn: Map<number, number> }> {
      const c = new pg.Client({ connectionString: urls.products });
      await c.connect();
      const { rows: stocks } = await c.query('SELECT id, stock FROM products');
      const left = new Map(stocks.map((r) => [Number(r.id), Number(r.stock)]));
      await c.end();
      const m = await mysql.createConnection(urls.orders as string);
      const [rows] = await m.query('SELECT product_id, SUM(quantity) AS q FROM orders GROUP BY product_id');
      await m.end();
      const drawn = new Map(
        (rows as { product_id: unknown; q: unknown }[]).map((r) => [Number(r.product_id), Number(r.q)]),
      );
      return { left, drawn };
    }

    it('gives the outcomes of dataset order, checks the books and counts the transactions', async () => {
      const a = baseline.atomic;
      expect(a?.stock.holds).toBe(true);
      expect(baseline.expectations?.mismatches).toBe(0);
      // Some orders are refused for want of stock, so the decrement is really checked.
      expect(baseline.failuresByCode.insufficient_stock ?? 0).toBeGreaterThan(10);
      expect(a?.committed).toBe(baseline.models.order?.succeeded);
      const eight = simulateJson(dir, ['--atomic', '--threads', '8', '--reset', '--yes']);
      expect(outcomes(eight)).toEqual(outcomes(baseline));
      expect(eight.atomic?.stock.holds).toBe(true);
      expect(eight.expectations?.mismatches).toBe(0);
      // The books, read without distdb: the stock each product started with (a run that draws nothing) = left + ordered.
      const drawnBooks = await books();
      simulateJson(dir, ['--reset', '--yes', '--threads', '2']);
      const initial = (await books()).left;
      expect(initial.size).toBe(drawnBooks.left.size);
      for (const [id, stock] of initial) {
        const left = drawnBooks.left.get(id) as number;
        expect(left).toBeGreaterThanOrEqual(0);
        expect(left + (drawnBooks.drawn.get(id) ?? 0)).toBe(stock);
      }
    }, 300_000);

    it('every report format shows the transactions and the books', () => {
      const committed = String(baseline.atomic?.committed);
      const md = runCli(['report', String(baseline.run), '--format', 'md'], { cwd: dir });
      expect(md.stdout).toContain('## Atomic transactions (Order with Product.stock)');
      expect(md.stdout).toContain(`| committed | ${committed} |`);
      expect(md.stdout).toMatch(/\| books \| balance: initial [\d,]+ = left [\d,]+ \+ drawn [\d,]+ \|/);
      const html = runCli(['report', String(baseline.run), '--format', 'html'], { cwd: dir });
      expect(html.stdout).toContain('<h2>Atomic transactions (Order with Product.stock)</h2>');
      const text = runCli(['report', String(baseline.run)], { cwd: dir });
      expect(text.stdout).toContain(`${committed} committed, ${baseline.atomic?.rolledBack} rolled back`);
      expect(text.stdout).toContain('books balance');
    });

    for (const at of ['atomic-prepared', 'atomic-decided']) {
      it(`killed at ${at} and resumed: the same outcomes, nothing left prepared`, async () => {
        await killAt(['simulate', ...DATASET, '--atomic', '--threads', '4', '--reset', '--yes'], {
          cwd: dir,
          at,
        });
        const runs = JSON.parse(runCli(['runs', '--json'], { cwd: dir }).stdout) as { id: number }[];
        const run = runs[0]?.id as number;
        const resumed = simulateJson(dir, ['--resume', String(run)]);
        expect(resumed.resumed).toBe(true);
        expect(outcomes(resumed)).toEqual(outcomes(baseline));
        expect(resumed.atomic?.stock.holds).toBe(true);
        const db = await openDistdb({ cwd: dir, env: {} });
        try {
          expect(await preparedLeft(urls, db.atomicPrefix)).toEqual([]);
        } finally {
          await db.close();
        }
      }, 300_000);
    }
  },
);

const sqliteFiles = (dir: string) => ({
  default: `sqlite:${dir}/d.db`,
  users: `sqlite:${dir}/u.db`,
  products: `sqlite:${dir}/p.db`,
  orders: `sqlite:${dir}/o.db`,
});

describe('simulate --atomic: what it refuses', () => {
  it('a schema without a stock, naming what is missing; nothing is written', () => {
    const dir = tempDir('distdb-atomic-sim-');
    const urls = sqliteFiles(dir);
    const r = runCli(['simulate', '--atomic', ...urlFlags(urls)], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r)).toMatch(/--atomic needs a model with a required integer field "stock"/);
    expect(runCli(['runs', '--json', ...urlFlags(urls)], { cwd: dir }).stdout.trim()).toBe('[]');
  });

  it('--atomic on resuming a run not started with it; the run is left to resume as it was', async () => {
    const dir = tempDir('distdb-atomic-sim-');
    const urls = sqliteFiles(dir);
    await killAt(['simulate', '--no-progress', ...urlFlags(urls)], { cwd: dir, at: 'run-recorded' });
    const r = runCli(['simulate', '--resume', '1', '--atomic', ...urlFlags(urls)], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r)).toMatch(/run 1 was not started with --atomic: resume it without/);
    const resumed = runCli(['simulate', '--resume', '1', '--json', '--no-progress', ...urlFlags(urls)], {
      cwd: dir,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).totals.succeeded).toBe(24);
  });

  it('--append (the books could not be checked against the dataset)', () => {
    const dir = tempDir('distdb-atomic-sim-');
    const r = runCli(['simulate', '--atomic', '--append', ...urlFlags(sqliteFiles(dir))], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r)).toMatch(/--atomic .* needs empty tables, not --append/);
  });

  it('two databases without two-phase commit (SQLite files), before anything is written', () => {
    const dir = tempDir('distdb-atomic-sim-');
    const urls = sqliteFiles(dir);
    writeStockShop(dir, urls);
    expect(runCli(['migrate', ...urlFlags(urls)], { cwd: dir }).code).toBe(0);
    const r = runCli(['simulate', '--atomic', ...DATASET, ...urlFlags(urls)], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r)).toMatch(
      /"products" and "orders" both lack two-phase commit .*one such database at most/,
    );
    expect(runCli(['runs', '--json', ...urlFlags(urls)], { cwd: dir }).stdout.trim()).toBe('[]');
  });
});
