import type { Kysely } from 'kysely';
import type { AnyDatabase } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import type { AnyModel, Model } from '../models/model.js';
import type { RecordOutcome } from '../store/outcome.js';
import type { QueryContext } from './context.js';
import { layoutChangeOf } from './fence.js';
import { countRecords, findRecords } from './find.js';
import { insertRecords } from './insert.js';
import { type DeleteOutcome, deleteRecord } from './remove.js';
import type { OrderBy } from './select.js';
import { updateRecord } from './update.js';
import type { Where } from './where.js';

/** A record with the relations named in `N` loaded (null where the referenced record is missing). */
export type WithRelations<R, Rel, N extends readonly string[]> = R & {
  -readonly [K in N[number] & keyof Rel]: Rel[K] | null;
};

export interface FindOptions<R, I, Rel, N extends readonly (keyof Rel & string)[]> {
  readonly where?: Where<I>;
  readonly orderBy?: OrderBy<R>;
  readonly limit?: number;
  readonly offset?: number;
  readonly include?: N;
}

/** Fields a patch may change: any of the input's, each optional. */
export type Patch<I> = { readonly [K in keyof I]?: I[K] };

/**
 * The record operations, over a context saying where each model is read and written: the
 * routers' databases (Distdb), or one open transaction (Tx). `DB` is the Kysely database type
 * of `using()`.
 */
export abstract class RecordApi<DB = AnyDatabase> {
  /** Where the calls go; `touched` collects every database a write's context reaches. */
  protected abstract context(touched?: Set<string>): QueryContext;
  /** Refuses a write to a model that differs from its migrations. */
  protected abstract beforeWrite(model: AnyModel): Promise<void>;
  /** Before a read: a deployment makes sure the shard layouts it routes by are fresh. */
  protected beforeRead(_model: AnyModel): Promise<void> {
    return Promise.resolve();
  }
  /** Where `find` and `count` read (a deployment's replicas, say): by default where writes see. */
  protected readContext(): QueryContext {
    return this.context();
  }
  /** After a write to `aliases` (any, when not given) ends, committed or not: later reads must see it. */
  protected written(_aliases?: ReadonlySet<string>): void {}

  async #writing<T>(write: (touched: Set<string>) => Promise<T>): Promise<T> {
    const touched = new Set<string>();
    try {
      return await write(touched);
    } finally {
      this.written(touched);
    }
  }

  /**
   * Runs a write; one a reshard's switch turned away before anything was written is routed
   * again once the new layout is in force.
   */
  async #routed<T>(write: (ctx: QueryContext) => Promise<T>, touched: Set<string>): Promise<T> {
    let heldSince: number | undefined;
    for (;;) {
      const ctx = this.context(touched);
      try {
        return await write(ctx);
      } catch (err) {
        // The model turned away may be another than `model` (a delete's cascade, say).
        const changed = layoutChangeOf(err);
        if (!changed) throw err;
        heldSince ??= Date.now();
        if (!(await ctx.relayout(ctx.model(changed.model), changed.version, heldSince))) throw err;
      }
    }
  }

  /** Validates and inserts one record: `{ok: true, id}` or `{ok: false, id, code, message}`. */
  async insert<R, I, Rel>(model: Model<R, I, Rel>, record: NoInfer<I>): Promise<RecordOutcome> {
    await this.beforeWrite(model as AnyModel);
    const [outcome] = await this.#writing((touched) =>
      insertRecords(this.context(touched), model as AnyModel, [record], 'insert'),
    );
    return outcome as RecordOutcome;
  }

  /** Outcomes in input order; the first record in input order wins a unique value. */
  async insertMany<R, I, Rel>(
    model: Model<R, I, Rel>,
    records: readonly NoInfer<I>[],
  ): Promise<RecordOutcome[]> {
    await this.beforeWrite(model as AnyModel);
    if (!Array.isArray(records))
      throw new DistdbError('usage', `insertMany: the ${model.label} records must be a list`);
    return this.#writing((touched) => insertRecords(this.context(touched), model as AnyModel, records));
  }

  async get<R, I, Rel, const N extends readonly (keyof Rel & string)[] = []>(
    model: Model<R, I, Rel>,
    id: number,
    options: { readonly include?: N } = {},
  ): Promise<WithRelations<R, Rel, N> | undefined> {
    const key = model.table.primaryKey;
    const [first] = await this.find(model, { where: { [key]: id } as Where<I>, include: options.include });
    return first;
  }

  async find<R, I, Rel, const N extends readonly (keyof Rel & string)[] = []>(
    model: Model<R, I, Rel>,
    options: FindOptions<R, I, Rel, N> = {},
  ): Promise<WithRelations<R, Rel, N>[]> {
    await this.beforeRead(model as AnyModel);
    return (await findRecords(this.readContext(), model as AnyModel, options)) as WithRelations<R, Rel, N>[];
  }

  /** The first records of `model` in primary-key order. */
  async list<R, I, Rel>(
    model: Model<R, I, Rel>,
    options: { limit?: number; offset?: number } = {},
  ): Promise<R[]> {
    const limit = Math.max(0, Math.floor(options.limit ?? 100));
    const offset = Math.max(0, Math.floor(options.offset ?? 0));
    return this.find(model, { limit, offset });
  }

  async count<R, I, Rel>(
    model: Model<R, I, Rel>,
    options: { readonly where?: Where<I> } = {},
  ): Promise<number> {
    await this.beforeRead(model as AnyModel);
    return countRecords(this.readContext(), model as AnyModel, options.where);
  }

  /** Validated like an insert; an unknown id is `{ok: false, code: 'not_found'}`. */
  async update<R, I, Rel>(
    model: Model<R, I, Rel>,
    id: number,
    patch: Patch<NoInfer<I>>,
  ): Promise<RecordOutcome> {
    await this.beforeWrite(model as AnyModel);
    return this.#writing((touched) =>
      this.#routed((ctx) => updateRecord(ctx, model as AnyModel, id, patch), touched),
    );
  }

  /** Refused with `referenced` while referenced; cascades and clears as the references say. */
  async delete<R, I, Rel>(model: Model<R, I, Rel>, id: number): Promise<DeleteOutcome> {
    await this.beforeWrite(model as AnyModel);
    return this.#writing((touched) =>
      this.#routed((ctx) => deleteRecord(ctx, model as AnyModel, id), touched),
    );
  }

  /**
   * Kysely on the database of `alias`, for anything else (joins within it, aggregates); typed
   * with every declared model's table unless `D` narrows it. Values are the backend's own.
   */
  abstract using<D = DB>(alias?: string): Promise<Kysely<D>>;
}
