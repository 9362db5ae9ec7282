import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import { DistdbError } from '../../../errors.js';

/**
 * `dialect` for a Kysely bound to one open distdb transaction: Kysely's own transactions
 * (`transaction().execute()`, `startTransaction()`) become savepoints of it, as they do on
 * SQLite. Kysely's BEGIN … COMMIT would otherwise end the open transaction (MySQL commits it at
 * BEGIN, PostgreSQL at COMMIT), and rolling the distdb transaction back would undo nothing.
 */
export function savepointDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new SavepointDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

type Compile = QueryCompiler['compileQuery'];

/** The savepoint a Kysely transaction holds, and how to give the next one its turn. */
interface Held {
  readonly name: string;
  readonly done: () => void;
}

class SavepointDriver implements Driver {
  #count = 0;
  /** Savepoints are a stack on one session: concurrent Kysely transactions take turns. */
  #turn: Promise<void> = Promise.resolve();
  #held: Held | undefined;

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  acquireConnection(): Promise<DatabaseConnection> {
    return this.inner.acquireConnection();
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel !== undefined || settings.accessMode !== undefined) {
      throw new DistdbError(
        'usage',
        'a Kysely transaction inside a distdb transaction is a savepoint: it takes no isolation level or access mode',
      );
    }
    const previous = this.#turn;
    let done = () => {};
    this.#turn = new Promise<void>((resolve) => {
      done = resolve;
    });
    await previous;
    const name = `distdb_kysely_${++this.#count}`;
    try {
      await connection.executeQuery(CompiledQuery.raw(`SAVEPOINT ${name}`));
    } catch (err) {
      done();
      throw err;
    }
    this.#held = { name, done };
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#end(connection, (name) => [`RELEASE SAVEPOINT ${name}`]);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#end(connection, (name) => [`ROLLBACK TO SAVEPOINT ${name}`, `RELEASE SAVEPOINT ${name}`]);
  }

  // Savepoints a Kysely transaction takes itself (`trx.savepoint()`) are the backend's own.
  async savepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await own(this.inner, 'savepoint')(connection, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await own(this.inner, 'rollbackToSavepoint')(connection, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    await own(this.inner, 'releaseSavepoint')(connection, name, compile);
  }

  async #end(connection: DatabaseConnection, statements: (name: string) => string[]): Promise<void> {
    const held = this.#held;
    this.#held = undefined;
    if (!held) return;
    try {
      for (const sql of statements(held.name)) await connection.executeQuery(CompiledQuery.raw(sql));
    } finally {
      held.done();
    }
  }
}

type SavepointStep = 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint';

/** The inner driver's own savepoint step (PostgreSQL's and MySQL's drivers have all three). */
function own(driver: Driver, step: SavepointStep): NonNullable<Driver[SavepointStep]> {
  const f = driver[step];
  if (!f) throw new DistdbError('usage', `this backend's Kysely driver has no ${step}`);
  return f.bind(driver);
}
