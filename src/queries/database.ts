import type { AnyDatabase } from '../db/dialect.js';
import type { AnyModel } from '../models/model.js';

type TableOf<M> = M extends { readonly __table?: infer T } ? NonNullable<T> : never;

/**
 * The Kysely `Database` type of `models`: each model's table → its columns, in the form the
 * backends' drivers read and write them (see `Distdb.using`). `DatabaseOf<[typeof Post]>`.
 */
export type DatabaseOf<M extends readonly AnyModel[]> = {
  [K in M[number] as TableOf<K>['name']]: TableOf<K>['columns'];
};

/**
 * What `openDistdb` types `using()` with: the database of the models given in code, or Kysely's
 * untyped database when they are not known (no models, or one whose table name is just a string).
 */
export type DatabaseFor<M extends readonly AnyModel[]> = string extends TableOf<M[number]>['name']
  ? AnyDatabase
  : DatabaseOf<M>;
