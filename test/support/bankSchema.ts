import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { serverDatabases } from './deployments.js';
import { POSTGRES_NODES, SERVERS, type ServerBackend, serverAvailable } from './servers.js';

const DIST = resolve(import.meta.dirname, '../../dist/index.js');

export const ACCOUNT_DATABASES = ['acc_a', 'acc_b', 'acc_c'];
export const ACCOUNTS = 60;
export const OPENING_BALANCE = 1_000;

/** Accounts and the transfers between them, both hash-sharded by id over three databases. */
export function writeBankConfig(
  dir: string,
  urls: Record<string, string>,
  accounts: readonly string[] = ACCOUNT_DATABASES,
): void {
  writeFileSync(
    join(dir, 'models.mjs'),
    `import { defineModel, f } from ${JSON.stringify(DIST)};
export const Account = defineModel({
  name: 'Account',
  table: 'accounts',
  fields: { id: f.id(), owner: f.text({ maxLength: 40 }), balance: f.integer({ min: 0 }) },
});
export const Transfer = defineModel({
  name: 'Transfer',
  table: 'transfers',
  fields: { id: f.id(), from_id: f.integer(), to_id: f.integer(), amount: f.integer({ min: 1 }) },
});
`,
  );
  const rule = JSON.stringify({ key: 'id', strategy: 'hash', databases: accounts });
  writeFileSync(
    join(dir, 'distdb.config.mjs'),
    `import { Account, Transfer } from './models.mjs';
export const models = [Account, Transfer];
export const databases = ${JSON.stringify(urls)};
export const sharding = { Account: ${rule}, Transfer: ${rule} };
`,
  );
}

/** One transfer a worker saw acknowledged. */
export interface Acked {
  readonly id: number;
  readonly from: number;
  readonly to: number;
  readonly amount: number;
}

/**
 * A process running `workers` concurrent callers, each moving random amounts between random
 * accounts in one `atomic` (two balances read with tx.get and updated, and a Transfer record)
 * until `stop` exists or it is killed; each acknowledged transfer is appended to `log`.
 */
export function startBank(
  dir: string,
  opts: {
    base: number;
    workers: number;
    log: string;
    stop: string;
    env?: Record<string, string>;
    /** The transfers' ids, in order (else base, base + 1, …). */
    ids?: readonly number[];
  },
) {
  const script = `import { appendFileSync, existsSync } from 'node:fs';
import { openDistdb } from ${JSON.stringify(DIST)};
const db = await openDistdb({ env: {} });
const Account = db.model('Account');
const Transfer = db.model('Transfer');
let next = ${opts.base};
const ids = ${JSON.stringify(opts.ids ?? null)};
const pick = () => 1 + Math.floor(Math.random() * ${ACCOUNTS});
async function worker() {
  while (!existsSync(${JSON.stringify(opts.stop)})) {
    const from = pick();
    let to = pick();
    if (to === from) to = (to % ${ACCOUNTS}) + 1;
    const amount = 1 + Math.floor(Math.random() * 50);
    const id = ids ? ids[next++ - ${opts.base}] : next++;
    try {
      const done = await db.atomic(async (tx) => {
        const a = await tx.get(Account, from);
        const b = await tx.get(Account, to);
        if (a.balance < amount) return false;
        for (const o of [
          await tx.update(Account, from, { balance: a.balance - amount }),
          await tx.update(Account, to, { balance: b.balance + amount }),
          await tx.insert(Transfer, { id, from_id: from, to_id: to, amount }),
        ])
          if (!o.ok) throw new Error(o.message);
        return true;
      }, { retries: 5 });
      if (done) appendFileSync(${JSON.stringify(opts.log)}, JSON.stringify({ id, from, to, amount }) + '\\n');
    } catch (err) {
      if (!/lock|deadlock|Deadlock/.test(String(err && err.message))) process.stderr.write(String(err && err.message) + '\\n');
    }
  }
}
await Promise.all(Array.from({ length: ${opts.workers} }, worker));
await db.close();`;
  rmSync(opts.stop, { force: true });
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: { ...process.env, ...opts.env },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((ok) =>
    child.on('close', (code, signal) => ok({ code, signal, stderr })),
  );
  return { child, done };
}

export function readAcked(log: string): Acked[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Acked);
}

const mariadb = SERVERS.find((s) => s.backend === 'mysql') as ServerBackend;

/** Where the bank's databases are: on servers (two PostgreSQL servers and MariaDB), or with one SQLite file among them. */
export interface BankBackend {
  readonly name: string;
  readonly available: boolean;
  /** The databases the accounts and transfers are sharded over. */
  readonly accounts: readonly string[];
  /** Whether the 30 s bank under kill -9 runs on it (else only the exact kill points). */
  readonly bank: boolean;
  urls(dir: string): Promise<{ urls: Record<string, string>; drop(): Promise<void> }>;
}

export const BANK_BACKENDS: BankBackend[] = [
  {
    name: 'two PostgreSQL servers and MariaDB',
    available: POSTGRES_NODES.slice(0, 2).every(serverAvailable) && serverAvailable(mariadb),
    // The coordinator log's database holds accounts too: a transfer writing it commits it last,
    // in one phase with the decision; one between the other two prepares both.
    accounts: ['default', 'acc_b', 'acc_c'],
    bank: true,
    urls: async () => {
      const parts = [
        await serverDatabases(POSTGRES_NODES[0] as ServerBackend, ['default']),
        await serverDatabases(POSTGRES_NODES[1] as ServerBackend, ['acc_b']),
        await serverDatabases(mariadb, ['acc_c']),
      ];
      return mergeParts(parts, {});
    },
  },
  {
    name: 'PostgreSQL, MariaDB and a SQLite file',
    available: serverAvailable(POSTGRES_NODES[0] as ServerBackend) && serverAvailable(mariadb),
    accounts: ACCOUNT_DATABASES,
    bank: true,
    urls: async (dir) => {
      const parts = [
        await serverDatabases(POSTGRES_NODES[0] as ServerBackend, ['acc_a']),
        await serverDatabases(mariadb, ['acc_b']),
      ];
      return mergeParts(parts, { default: `sqlite:${dir}/default.db`, acc_c: `sqlite:${dir}/acc_c.db` });
    },
  },
  {
    // `default` on MariaDB, written: its XA branch commits in one phase with the decision.
    name: 'MariaDB default and two PostgreSQL servers',
    available: POSTGRES_NODES.slice(0, 2).every(serverAvailable) && serverAvailable(mariadb),
    accounts: ['default', 'acc_b', 'acc_c'],
    bank: false,
    urls: async () => {
      const parts = [
        await serverDatabases(mariadb, ['default']),
        await serverDatabases(POSTGRES_NODES[0] as ServerBackend, ['acc_b']),
        await serverDatabases(POSTGRES_NODES[1] as ServerBackend, ['acc_c']),
      ];
      return mergeParts(parts, {});
    },
  },
];

function mergeParts(
  parts: (Record<string, string> & { drop(): Promise<void> })[],
  extra: Record<string, string>,
): { urls: Record<string, string>; drop(): Promise<void> } {
  const urls: Record<string, string> = { ...extra };
  // Pools of 17: the 16 callers of a process all have their transactions open at once.
  for (const { drop: _, ...u } of parts)
    for (const [alias, url] of Object.entries(u)) urls[alias] = `${url}?pool=17`;
  return { urls, drop: async () => void (await Promise.all(parts.map((p) => p.drop()))) };
}

/**
 * The ids of a deployment's prepared transactions (`prefix`, its `atomicPrefix`) left on the
 * servers of `urls` (none once recovered); other deployments' share the MariaDB server.
 */
export async function preparedLeft(urls: Record<string, string>, prefix: string): Promise<string[]> {
  const left: string[] = [];
  for (const url of Object.values(urls)) {
    if (url.startsWith('postgres')) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const r = await c.query('SELECT gid FROM pg_prepared_xacts WHERE gid LIKE $1', [`${prefix}%`]);
      left.push(...r.rows.map((x) => String(x.gid)));
      await c.end();
    } else if (url.startsWith('mysql')) {
      const c = await mysql.createConnection(url);
      const [rows] = await c.query('XA RECOVER');
      left.push(
        ...(rows as { data: string }[]).map((x) => String(x.data)).filter((x) => x.startsWith(prefix)),
      );
      await c.end();
    }
  }
  return [...new Set(left)];
}
