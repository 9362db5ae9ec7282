import type { Compilable } from 'kysely';
import type { AnyKysely, Connection, Row } from './dialect.js';

/** Runs a query Kysely builds for this connection's backend (its quoting); rows in storage form. */
export async function runBuilt(conn: Connection, build: (db: AnyKysely) => Compilable): Promise<Row[]> {
  const query = build(await conn.kysely()).compile();
  return (await conn.runCompiled(query.sql, query.parameters)).rows;
}
