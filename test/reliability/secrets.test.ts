/**
 * Issue item 8: a canary password with `@`, `#` and `%` in every database URL (reachable,
 * unreachable and malformed), every command and every report format: the canary appears nowhere,
 * raw, URL-encoded or in part: not on stdout or stderr, not in written report files, not in the
 * rows of distdb_runs / distdb_run_failures, not in the SQLite files.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli.js';
import { ALIASES, serverDatabases, tempDir } from '../support/deployments.js';
import { pdfTextSync } from '../support/pdf.js';
import { runCliAsync, urlFlags } from '../support/processes.js';
import { withRaw } from '../support/rawdb.js';
import { SERVERS, serverAvailable } from '../support/servers.js';

const CANARY = 'Xq7@#%canary';
const ENCODED = encodeURIComponent(CANARY); // Xq7%40%23%25canary
/** In text: the whole canary in any encoding, or a recognizable part of it. */
const TEXT_LEAK = /Xq7|canary|%40%23%25/i;
/** In binary files (SQLite pages, PDF streams) only longer forms, so random bytes never match. */
const BINARY_LEAKS = [CANARY, ENCODED, encodeURI(CANARY), 'Xq7@', 'Xq7%40', 'canary', 'CANARY', 'Canary'];

const pgServer = SERVERS.find((s) => s.backend === 'postgres');
const myServer = SERVERS.find((s) => s.backend === 'mysql');
const pgUp = pgServer !== undefined && serverAvailable(pgServer);
const myUp = myServer !== undefined && serverAvailable(myServer);

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch((e) => console.log(`cleanup: ${e}`));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function fresh(): string {
  const d = tempDir('distdb-secrets-');
  dirs.push(d);
  return d;
}

const help = runCli(['--help'], { cwd: tempDir('distdb-help-') }).stdout;
const HAS_RUNS = /^\s+runs\b/m.test(help);
const HAS_REPORT = /^\s+report\b/m.test(help);
if (!HAS_RUNS || !HAS_REPORT)
  console.log(
    '[distdb tests] NOTICE: `distdb runs`/`distdb report` not in --help: their secret checks are skipped',
  );

/** Every leak in one command's output, labelled. */
function leaksIn(label: string, r: CliResult): string[] {
  const out: string[] = [];
  for (const [stream, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
  ] as const) {
    const m = TEXT_LEAK.exec(text);
    if (m)
      out.push(
        `${label}: ${stream} contains ${JSON.stringify(text.slice(Math.max(0, m.index - 60), m.index + 40))}`,
      );
  }
  return out;
}

/** Every file under `dir`: text files whole, binary ones for long forms; PDFs also as extracted text. */
function leaksInFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const bytes = readFileSync(path);
      for (const form of BINARY_LEAKS)
        if (bytes.includes(form)) out.push(`${path} contains ${JSON.stringify(form)}`);
      if (/\.(html|md|json|txt)$/.test(name)) {
        const m = TEXT_LEAK.exec(bytes.toString('utf8'));
        if (m)
          out.push(
            `${path} contains ${JSON.stringify(bytes.toString('utf8').slice(m.index - 40, m.index + 40))}`,
          );
      }
      if (name.endsWith('.pdf')) {
        const text = pdfTextSync(path);
        if (TEXT_LEAK.test(text)) out.push(`${path} (extracted text) contains the canary`);
      }
    }
  };
  walk(dir);
  return out;
}

/** distdb's own tables in the `default` database, every column of every row. */
async function leaksInRunTables(defaultUrl: string): Promise<string[]> {
  return withRaw(defaultUrl, async (db) => {
    const out: string[] = [];
    const tables = await db.tables();
    for (const t of ['distdb_runs', 'distdb_run_failures', 'distdb_migrations']) {
      if (!tables.includes(t)) continue;
      for (const row of await db.query(`SELECT * FROM ${t}`)) {
        const text = JSON.stringify(row);
        if (TEXT_LEAK.test(text)) out.push(`${t} row ${String(row.id ?? row.name)} contains the canary`);
      }
    }
    return out;
  });
}

describe.skipIf(!pgUp)(
  'canary password on a reachable PostgreSQL server: every command, every format',
  () => {
    const role = `dd_cnr_${randomBytes(3).toString('hex')}`;
    let urls: Record<string, string>;
    const cwd = fresh();

    beforeAll(async () => {
      const admin = new pg.Client({ connectionString: `${pgServer?.adminUrl}/postgres` });
      await admin.connect();
      await admin.query(`CREATE ROLE ${role} LOGIN CREATEDB PASSWORD '${CANARY}'`);
      cleanups.push(async () => {
        const c = new pg.Client({ connectionString: `${pgServer?.adminUrl}/postgres` });
        await c.connect();
        await c.query(`DROP ROLE IF EXISTS ${role}`);
        await c.end();
      });
      const dbs = await serverDatabases(pgServer as NonNullable<typeof pgServer>, ALIASES);
      cleanups.push(() => dbs.drop());
      urls = {};
      for (const alias of ALIASES) {
        const name = new URL(dbs[alias] as string).pathname.slice(1);
        await admin.query(`ALTER DATABASE ${name} OWNER TO ${role}`);
        // The password travels percent-encoded, as a URL must carry `@`, `#` and `%`.
        urls[alias] =
          `postgres://${role}:${ENCODED}@127.0.0.1:${new URL(pgServer?.adminUrl as string).port || 5432}/${name}`;
      }
      await admin.end();
    });

    it('no command prints, stores or writes the canary', async () => {
      const u = urlFlags(urls);
      const leaks: string[] = [];
      const run = (label: string, args: string[], expectCode?: number) => {
        const r = runCli(args, { cwd });
        if (expectCode !== undefined) expect(r.code, `${label}: ${r.stderr}`).toBe(expectCode);
        leaks.push(...leaksIn(label, r));
        return r;
      };
      run('migrate', ['migrate', ...u], 0);
      run('showmigrations', ['showmigrations', ...u], 0);
      run('routes', ['routes', ...u], 0);
      run('simulate', ['simulate', ...u], 0);
      run('simulate refused (rows exist)', ['simulate', ...u], 2);
      run('simulate --reset without --yes', ['simulate', '--reset', ...u], 2);
      run('simulate --json', ['simulate', '--reset', '--yes', '--json', ...u], 0);
      run(
        'simulate generated --json',
        ['simulate', '--dataset', 'generated', '--records', '2000', '--reset', '--yes', '--json', ...u],
        0,
      );
      run('simulate --resume unknown', ['simulate', '--resume', '999', ...u], 2);
      if (HAS_REPORT) {
        for (const format of ['pdf', 'html', 'md', 'json'])
          run(
            `simulate --report ${format}`,
            ['simulate', '--append', '--report', format, '--out', `sim.${format}`, ...u],
            0,
          );
      }
      run('reset without --yes', ['reset', ...u], 2);
      if (HAS_RUNS) {
        run('runs', ['runs', ...u], 0);
        run('runs --json', ['runs', '--json', ...u], 0);
      }
      if (HAS_REPORT) {
        run('report text', ['report', 'latest', ...u], 0);
        for (const format of ['json', 'md', 'html']) {
          run(`report ${format} (stdout)`, ['report', 'latest', '--format', format, ...u], 0);
          run(
            `report ${format} --out`,
            ['report', '1', '--format', format, '--out', `report.${format}`, ...u],
            0,
          );
        }
        run('report pdf', ['report', 'latest', '--format', 'pdf', ...u], 0);
        run(
          'report pdf --out letter',
          ['report', '2', '--format', 'pdf', '--page-size', 'letter', '--out', 'r2.pdf', ...u],
          0,
        );
        run('report unknown run', ['report', '999', ...u], 2);
      }
      run('migrate unknown alias', ['migrate', '--database', 'nope', ...u], 2);
      run('reset --yes', ['reset', '--yes', ...u], 0);
      const envRun = runCli(['migrate'], {
        cwd,
        env: Object.fromEntries(ALIASES.map((a) => [`DISTDB_${a.toUpperCase()}_URL`, urls[a] as string])),
      });
      leaks.push(...leaksIn('migrate (URLs from the environment)', envRun));

      if (HAS_REPORT) {
        expect(existsSync(join(cwd, 'sim.pdf'))).toBe(true);
        expect(existsSync(join(cwd, 'report.html'))).toBe(true);
      }
      leaks.push(...leaksInFiles(cwd));
      leaks.push(...(await leaksInRunTables(urls.default as string)));
      expect(leaks).toEqual([]);
    }, 240_000);
  },
);

describe.skipIf(!myUp)('canary password on a reachable MySQL/MariaDB server', () => {
  const user = `dd_cnr_${randomBytes(3).toString('hex')}`;
  const cwd = fresh();
  let urls: Record<string, string>;

  beforeAll(async () => {
    const dbs = await serverDatabases(myServer as NonNullable<typeof myServer>, ALIASES);
    cleanups.push(() => dbs.drop());
    const admin = await mysql.createConnection(myServer?.adminUrl as string);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [CANARY]);
    cleanups.push(async () => {
      const c = await mysql.createConnection(myServer?.adminUrl as string);
      await c.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await c.end();
    });
    urls = {};
    const base = new URL(myServer?.adminUrl as string);
    for (const alias of ALIASES) {
      const name = new URL(dbs[alias] as string).pathname.slice(1);
      await admin.query(`GRANT ALL PRIVILEGES ON ${name}.* TO '${user}'@'%'`);
      urls[alias] = `mysql://${user}:${ENCODED}@${base.hostname}:${base.port || 3306}/${name}`;
    }
    await admin.end();
  });

  it('migrate, simulate, errors and a wrong password: the canary appears nowhere', async () => {
    const u = urlFlags(urls);
    const leaks: string[] = [];
    const run = (label: string, args: string[], expectCode: number) => {
      const r = runCli(args, { cwd });
      expect(r.code, `${label}: ${r.stderr}`).toBe(expectCode);
      leaks.push(...leaksIn(label, r));
    };
    run('migrate', ['migrate', ...u], 0);
    run('simulate --json', ['simulate', '--json', ...u], 0);
    run('simulate refused', ['simulate', ...u], 2);
    if (HAS_REPORT) run('report json', ['report', 'latest', '--format', 'json', ...u], 0);
    // The right user, a wrong password that contains the canary: access denied, nothing revealed.
    const wrong = urls.users?.replace(ENCODED, encodeURIComponent(`${CANARY}-wrong`)) as string;
    run('wrong password', ['migrate', '--database', 'users', '--url', `users=${wrong}`], 1);
    leaks.push(...leaksInFiles(cwd));
    leaks.push(...(await leaksInRunTables(urls.default as string)));
    expect(leaks).toEqual([]);
  }, 120_000);
});

describe('canary password in unreachable and malformed URLs', () => {
  const bad: [string, string][] = [
    ['postgres, unreachable', `postgres://dd_cnr:${ENCODED}@127.0.0.1:1/app`],
    ['mysql, unreachable', `mysql://dd_cnr:${ENCODED}@127.0.0.1:1/app`],
    ['postgres, password not encoded', `postgres://u:${CANARY}@127.0.0.1:1/db`],
    ['postgres, malformed port', `postgres://u:${CANARY}@host:notaport/db`],
    ['mysql, password not encoded', `mysql://u:${CANARY}@127.0.0.1:1/db`],
    ['postgres, password in the query', `postgres://u@127.0.0.1:1/db?password=${ENCODED}`],
    ['postgres, broken host', `postgres://u:${ENCODED}@[::1/db`],
    // Typos a person makes when writing a URL by hand.
    ['no scheme at all', `u:${CANARY}@127.0.0.1/db`],
    ['one slash after the scheme', `postgres:/u:${CANARY}@127.0.0.1:1/db`],
    ['three slashes after the scheme', `postgres:///u:${CANARY}@127.0.0.1:1/db`],
    ['no slashes after the scheme', `postgres:u:${CANARY}@127.0.0.1:1/db`],
    ['no colon after the scheme', `postgres//u:${CANARY}@127.0.0.1:1/db`],
    ['no host after the password', `postgres://u:${CANARY}`],
  ];

  it.each(bad)(
    '%s: in the orders URL, then in the default URL',
    async (_label, url) => {
      const runs: Promise<string[]>[] = [];
      const check = (
        label: string,
        args: string[],
        env: Record<string, string> = {},
        files?: Record<string, string>,
      ) => {
        const cwd = fresh();
        for (const [name, content] of Object.entries(files ?? {})) writeFileSync(join(cwd, name), content);
        runs.push(
          runCliAsync(args, { cwd, env }).then(async (r) => {
            const out = leaksIn(label, r);
            if (/\n\s+at /.test(r.stderr)) out.push(`${label}: stack trace on stderr`);
            for (const name of Object.keys(files ?? {})) rmSync(join(cwd, name));
            out.push(...leaksInFiles(cwd));
            const defaultDb = join(cwd, 'data', 'default.db');
            if (existsSync(defaultDb)) out.push(...(await leaksInRunTables(`sqlite:${defaultDb}`)));
            return out;
          }),
        );
      };
      // The bad URL on orders: every command that reads the configuration or connects.
      // (routes, reset and a plain simulate go through the same configuration and connection code.)
      for (const args of [['migrate'], ['showmigrations'], ['simulate', '--json']])
        check(`${args.join(' ')} (orders)`, [...args, '--url', `orders=${url}`]);
      check('migrate (orders from DISTDB_ORDERS_URL)', ['migrate'], { DISTDB_ORDERS_URL: url });
      check(
        'simulate (orders from a config file)',
        ['simulate', '--config', 'cfg.json'],
        {},
        {
          'cfg.json': JSON.stringify({ databases: { orders: url } }),
        },
      );
      // The bad URL on default: the run history itself.
      for (const args of [
        ['simulate', '--json'],
        ...(HAS_RUNS ? [['runs']] : []),
        ...(HAS_REPORT ? [['report', 'latest', '--format', 'md']] : []),
      ])
        check(`${args.join(' ')} (default)`, [...args, '--url', `default=${url}`]);
      expect((await Promise.all(runs)).flat()).toEqual([]);
    },
    120_000,
  );
});

describe('short passwords', () => {
  it('a one-letter password is hidden without mangling (and so revealing itself through) the rest of the message', () => {
    const cwd = fresh();
    const r = runCli(['migrate', '--url', 'orders=postgres://app:p@127.0.0.1:1/shop'], { cwd });
    expect(r.code).toBe(1);
    // Every "p" replaced by *** would show exactly which letter the password is.
    expect(r.stderr).toContain('postgres://app:***@127.0.0.1:1/shop');
    expect(r.stdout + r.stderr).not.toContain('***ostgres');
  });
});
