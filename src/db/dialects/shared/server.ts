/**
 * Driver-free helpers both server dialects (postgres, mysql) share: URL pieces, sanitized
 * connection errors, decimal encoding, and the planning half of `insertBatch`.
 */
import { readFileSync } from 'node:fs';
import { DistdbError, errorMessage } from '../../../errors.js';
import { formatMinorUnits } from '../../../schema/decimal.js';
import {
  type CheckDef,
  type ColumnDef,
  type KeyColumn,
  keyColumnsOf,
  type TableDef,
} from '../../../schema/tableDef.js';
import { codePoints, truncate } from '../../../util/text.js';
import {
  type Connection,
  type ConnectOptions,
  keyOf,
  type Row,
  type RowWrite,
  type SqlValue,
} from '../../dialect.js';
import type { DatabaseUrl } from '../../url.js';

// ---- URLs and connection errors -------------------------------------------------------------

/** WHATWG parse; the message names the URL only in its redacted form. */
export function parseServerUrl(url: DatabaseUrl): URL {
  try {
    return new URL(url.raw);
  } catch {
    throw new DistdbError('config', `${url.redacted} is not a valid database URL`);
  }
}

/** Percent-decodes a URL part (user, password, database); a bad escape is a config error. */
export function decodePart(url: DatabaseUrl, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new DistdbError('config', `${url.redacted}: the ${what} has an invalid %-escape`);
  }
}

/**
 * Where a server URL points, percent-decoded, empty parts left undefined. `host` (a query
 * parameter, say) replaces the URL's own host, which is then not decoded at all.
 */
export function serverTarget(
  url: DatabaseUrl,
  u: URL,
  host?: string,
): { host?: string; port?: number; user?: string; password?: string; database?: string } {
  return {
    host: (host ?? decodePart(url, u.hostname.replace(/^\[(.*)\]$/, '$1'), 'host')) || undefined,
    port: u.port ? Number(u.port) : undefined,
    user: decodePart(url, u.username, 'user name') || undefined,
    password: decodePart(url, u.password, 'password') || undefined,
    database: decodePart(url, u.pathname.replace(/^\//, ''), 'database name') || undefined,
  };
}

/** A CA certificate named in the URL (`param`); an unreadable file is a config error. */
export function readCaFile(url: DatabaseUrl, path: string, param: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new DistdbError('config', `${url.redacted}: cannot read ${param}: ${errorMessage(err)}`);
  }
}

/** `ConnectOptions.poolSize` first, then the first of `names` in the query string, then 4. */
export function poolSize(
  url: DatabaseUrl,
  params: URLSearchParams,
  names: readonly string[],
  options?: ConnectOptions,
): number {
  if (options?.poolSize !== undefined && Number.isFinite(options.poolSize)) {
    return Math.max(1, Math.floor(options.poolSize));
  }
  for (const name of names) {
    const text = params.get(name);
    if (text === null) continue;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      throw new DistdbError(
        'config',
        `${url.redacted}: ${name}=${truncate(text)} is not a pool size (1-1000)`,
      );
    }
    return n;
  }
  return 4;
}

/** Seconds in the query string → milliseconds (default 10 s), so an unreachable host fails promptly. */
export function timeoutMs(url: DatabaseUrl, params: URLSearchParams, name: string): number {
  const text = params.get(name);
  if (text === null) return 10_000;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new DistdbError('config', `${url.redacted}: ${name}=${truncate(text)} is not a number of seconds`);
  }
  return Math.round(n * 1000);
}

/**
 * What a backend can say of a failed connection in a user's words where its driver's message is
 * terse ("timeout expired"), or undefined to keep the driver's message.
 */
export type ExplainConnectFailure = (err: unknown) => string | undefined;

/** Explanations both servers share; `timeoutMs` is the URL's connect_timeout. */
export const explainCommon = {
  missingDatabase: (database: string | undefined) =>
    `database "${database ?? ''}" does not exist on the server: create it first (CREATE DATABASE ${database ?? ''})`,
  timedOut: (timeoutMs: number | undefined) =>
    `no answer within ${(timeoutMs ?? 0) / 1000} s (connect_timeout): is the host reachable?`,
};

/**
 * `cannot connect to <redacted>: <message>`. The cause is a fresh Error carrying only the
 * message and the driver's code and errno (so retry decisions still see them): driver errors may
 * hold references to the connection config, password included.
 */
export function connectionError(
  url: DatabaseUrl,
  err: unknown,
  password: string | undefined,
  explain?: ExplainConnectFailure,
): DistdbError {
  let message = explain?.(err) ?? driverMessage(err);
  const secrets = [...url.secrets, password ?? ''].filter((s) => s.length > 0);
  for (const s of [...secrets, ...secrets.map(encodeURIComponent)].sort((a, b) => b.length - a.length)) {
    message = message.split(s).join('***');
  }
  const { code, errno } = (err ?? {}) as { code?: unknown; errno?: unknown };
  const cause = Object.assign(
    new Error(message),
    typeof code === 'string' ? { code } : {},
    typeof errno === 'number' ? { errno } : {},
  );
  return new DistdbError('connection', `cannot connect to ${url.redacted}: ${message}`, { cause });
}

/** A new pool must reach its server: otherwise it is ended and the sanitized error thrown. */
export async function probePool(
  url: DatabaseUrl,
  pool: { query(sql: string): Promise<unknown>; end(): Promise<void> },
  password: string | undefined,
  explain: ExplainConnectFailure,
): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw connectionError(url, err, password, explain);
  }
}

// Node reports "connection refused on every address" as an AggregateError with an empty message.
function driverMessage(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return [...new Set(err.errors.map((e) => errorMessage(e)))].join('; ');
  }
  const message = errorMessage(err);
  if (message) return message;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}

// ---- Values ---------------------------------------------------------------------------------

/** Integer minor units as a number, when `value` is one. */
function minorUnits(value: SqlValue): number | undefined {
  if (value === null) return undefined;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'bigint' || /^-?\d+$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Decimal columns take integer minor units; the server gets exact decimal text ("123.45"). */
export function encodeValue(column: ColumnDef, value: SqlValue | undefined): SqlValue {
  if (value === undefined || value === null) return null;
  if (column.type.kind !== 'decimal') return value;
  const minor = minorUnits(value);
  if (minor === undefined) {
    throw new DistdbError(
      'runtime',
      `column ${column.name} takes integer minor units, not ${truncate(String(value))}`,
    );
  }
  return formatMinorUnits(minor, column.type.scale);
}

/**
 * A server's decimal text → minor units, by parsing the digits (no float arithmetic). Digits
 * beyond `scale` (an AVG, say) become the fractional part of the result. NULL reads as 0, like
 * the SQLite dialect.
 */
export function decodeDecimalText(value: SqlValue, scale: number): number {
  if (value === null) return 0;
  const text = typeof value === 'string' ? value.trim() : String(value);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  const int = m?.[2] ?? '';
  const frac = m?.[3] ?? '';
  if (!m || int.length + frac.length === 0) {
    throw new DistdbError('runtime', `"${truncate(text)}" is not a decimal number`);
  }
  let minor = Number(int + frac.slice(0, scale).padEnd(scale, '0'));
  if (frac.length > scale) minor += Number(`0.${frac.slice(scale)}`);
  return m[1] === '-' ? -minor : minor;
}

// ---- Insert batches ---------------------------------------------------------------------------

interface TablePlan {
  readonly keys: readonly KeyColumn[];
  readonly screen: (row: Row) => RowWrite | undefined;
}

const plans = new WeakMap<TableDef, TablePlan>();

function planFor(table: TableDef): TablePlan {
  let plan = plans.get(table);
  if (!plan) {
    plan = { keys: keyColumnsOf(table), screen: screenerFor(table) };
    plans.set(table, plan);
  }
  return plan;
}

export function keyColumns(table: TableDef): readonly KeyColumn[] {
  return planFor(table).keys;
}

/**
 * How a key value is compared in memory; `undefined` for NULL, which never conflicts. `stored`:
 * the value came back from the server (already encoded).
 */
export function keyValue(key: KeyColumn, value: SqlValue | undefined, stored = false): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  const kind = key.column.type.kind;
  // Integers come back from the server in canonical form already.
  if (stored && typeof value === 'string' && (kind === 'bigint' || kind === 'integer' || kind === 'serial')) {
    return value;
  }
  const v = stored ? value : encodeValue(key.column, value);
  // The server normalizes integers ("007" is 7); the comparison must too.
  if (
    (kind === 'bigint' || kind === 'integer' || kind === 'serial') &&
    typeof v === 'string' &&
    /^-?\d+$/.test(v)
  ) {
    return BigInt(v).toString();
  }
  return keyOf(v, key.fold);
}

/**
 * Fails, without a round trip, the rows the server would certainly reject: NOT NULL, values that
 * do not fit their column (reported as `check`, the server refuses them rather than storing
 * something else), and the table's checks. Only checks whose SQL semantics are reproduced
 * exactly are evaluated here; anything else is left to the server, which stays authoritative.
 */
export function screenRow(table: TableDef, row: Row): RowWrite | undefined {
  return planFor(table).screen(row);
}

/** `insertBatch`'s first step: `out` holds the rows screened out, `pending` the rest, in order. */
export function screenRows(table: TableDef, rows: readonly Row[]): { out: RowWrite[]; pending: number[] } {
  const out: RowWrite[] = new Array(rows.length);
  const pending: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const failure = screenRow(table, rows[i] as Row);
    if (failure) out[i] = failure;
    else pending.push(i);
  }
  return { out, pending };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function fits(column: ColumnDef, value: SqlValue): boolean {
  const t = column.type;
  switch (t.kind) {
    case 'varchar':
      return typeof value !== 'string' || value.length <= t.length || codePoints(value) <= t.length;
    case 'decimal': {
      const minor = minorUnits(value);
      return minor === undefined || Math.abs(minor) < 10 ** t.precision;
    }
    // MySQL would round 1.5 into an integer column where the others refuse it: refuse it here.
    case 'integer':
      return (
        typeof value !== 'number' || (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)
      );
    case 'bigint':
      return typeof value !== 'number' || Number.isInteger(value);
    default:
      return true;
  }
}

function screenerFor(table: TableDef): (row: Row) => RowWrite | undefined {
  const required = table.columns.filter(
    (c) => c.type.kind !== 'serial' && (!c.nullable || c.name === table.primaryKey),
  );
  const checks = (table.checks ?? []).map((k) => checkTest(table, k));
  return (row) => {
    for (const c of required) {
      const v = row[c.name];
      if (v === undefined || v === null) return { ok: false, violation: 'not_null', column: c.name };
    }
    for (const c of table.columns) {
      const v = row[c.name];
      if (v !== undefined && v !== null && !fits(c, v))
        return { ok: false, violation: 'check', column: c.name };
    }
    for (const [column, violated] of checks) {
      const v = row[column];
      // SQL: a check on NULL is unknown, and unknown passes.
      if (v !== undefined && v !== null && violated(v)) return { ok: false, violation: 'check', column };
    }
    return undefined;
  };
}

/** [column, value → violated?]; a test answers false whenever it cannot be sure. */
function checkTest(table: TableDef, check: CheckDef): [string, (v: SqlValue) => boolean] {
  if (check.kind === 'trimmedLength') {
    // trim() strips spaces only, in both servers (and SQLite): tabs and newlines count.
    return [
      check.column,
      (v) => {
        if (typeof v !== 'string') return false;
        return codePoints(v.replace(/^ +| +$/g, '')) < check.min || codePoints(v) > check.max;
      },
    ];
  }
  if (check.kind === 'oneOf') {
    return [check.column, (v) => typeof v === 'string' && !check.values.includes(v)];
  }
  const column = table.columns.find((c) => c.name === check.column);
  const type = column?.type;
  const scale = type?.kind === 'decimal' ? type.scale : undefined;
  const asNumber = (v: SqlValue): number | undefined =>
    scale !== undefined ? minorUnits(v) : typeof v === 'number' ? v : undefined;
  const bound = (b: number | string | undefined): number | undefined =>
    b === undefined ? undefined : scale !== undefined ? decodeDecimalText(String(b), scale) : Number(b);
  const min = bound(check.min);
  const max = bound(check.max);
  return [
    check.column,
    (v) => {
      const x = asNumber(v);
      if (x === undefined) return false;
      return (min !== undefined && x < min) || (max !== undefined && x > max);
    },
  ];
}

/**
 * Splits a batch into rounds whose rows share no key value, keeping dataset order between rows
 * that do: a row lands one round after the last earlier row it shares a key with. Inserting the
 * rounds in order gives every row the outcome it would have had inserted alone, in order, while
 * each round is a single statement.
 */
export function planRounds(table: TableDef, rows: readonly Row[], indices: readonly number[]): number[][] {
  const keys = keyColumns(table);
  // Per key column: value → the last round a row with it went to.
  const lastRound = keys.map(() => new Map<string, number>());
  const rounds: number[][] = [];
  const rowKeys: (string | undefined)[] = new Array(keys.length);
  for (const i of indices) {
    const row = rows[i] as Row;
    let round = 0;
    for (let k = 0; k < keys.length; k++) {
      const v = keyValue(keys[k] as KeyColumn, row[(keys[k] as KeyColumn).column.name]);
      rowKeys[k] = v;
      if (v === undefined) continue;
      const prev = (lastRound[k] as Map<string, number>).get(v);
      if (prev !== undefined && prev >= round) round = prev + 1;
    }
    for (let k = 0; k < keys.length; k++) {
      const v = rowKeys[k];
      if (v !== undefined) (lastRound[k] as Map<string, number>).set(v, round);
    }
    let bucket = rounds[round];
    if (!bucket) {
      bucket = [];
      rounds[round] = bucket;
    }
    bucket.push(i);
  }
  return rounds;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * For rows refused as duplicates: the first key column (primary key, then uniques) whose value
 * is already stored, found with one `existing` lookup per key column. Rows whose conflict is not
 * visible (a concurrent writer, a collation subtlety) are left out.
 */
export async function conflictColumns(
  conn: Connection,
  table: TableDef,
  rows: readonly Row[],
  failed: readonly number[],
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const key of keyColumns(table)) {
    const name = key.column.name;
    const open = failed.filter((i) => !out.has(i) && (rows[i] as Row)[name] != null);
    if (open.length === 0) continue;
    const ci = key.column.caseInsensitive;
    const found = await conn.existing(
      table,
      name,
      open.map((i) => (rows[i] as Row)[name] as SqlValue),
    );
    for (const i of open) if (found.has(keyOf((rows[i] as Row)[name] as SqlValue, ci))) out.set(i, name);
  }
  return out;
}
