import {
  type Compilable,
  type DatabaseIntrospector,
  type DialectAdapter,
  DummyDriver,
  Kysely,
  type QueryCompiler,
  type RawBuilder,
  type SchemaModule,
  sql,
} from 'kysely';
import type { AnyDatabase } from '../../dialect.js';

/**
 * Kysely's schema builder for a backend, compiling only: the migration steps are built with it
 * (its quoting, its statement syntax) and run as text by the migrator, on the migrator's session.
 */
export interface DdlCompiler {
  readonly schema: SchemaModule;
  /** The SQL of a built statement or an `sql` template; DDL carries its values as literals. */
  text(statement: Compilable | RawBuilder<unknown>): string;
}

export function ddlCompiler(parts: {
  adapter: () => DialectAdapter;
  compiler: () => QueryCompiler;
  introspector: (db: Kysely<AnyDatabase>) => DatabaseIntrospector;
}): DdlCompiler {
  const db = new Kysely<AnyDatabase>({
    dialect: {
      createAdapter: parts.adapter,
      createDriver: () => new DummyDriver(),
      createQueryCompiler: parts.compiler,
      createIntrospector: parts.introspector,
    },
  });
  return {
    schema: db.schema,
    text(statement) {
      const compiled = 'isRawBuilder' in statement ? statement.compile(db) : statement.compile();
      if (compiled.parameters.length > 0) {
        throw new Error(`DDL with bound parameters: ${compiled.sql}`);
      }
      return compiled.sql;
    },
  };
}

/** An identifier, quoted the backend's way where it is compiled. */
export const id = (name: string) => sql.id(name);

/** SQL text distdb wrote itself (a type, a literal, an operator), passed through as is. */
export const raw = (text: string) => sql.raw(text);
