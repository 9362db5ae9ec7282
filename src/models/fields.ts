import type { AnyModel, FieldKind, FieldValue } from './model.js';

/** Options every field takes. */
export interface FieldOptions<TValue> {
  /** The field may be left out or null. */
  readonly optional?: boolean;
  /** Stored when a record leaves the field out. */
  readonly default?: TValue;
  /** Values must be distinct; `'ci'` compares them case-insensitively. */
  readonly unique?: boolean | 'ci';
  /** Failure code when the field's rule fails (default `invalid_<field>`). */
  readonly code?: string;
  /** Failure code when an earlier record holds the value (default `duplicate_<field>`). */
  readonly duplicateCode?: string;
}

/**
 * A declared field, before `defineModel` names it. The type parameters carry what the record
 * types are inferred from: the value read back, the value accepted on write, the options
 * (whether it may be left out), and the column's value as the backends' drivers return it
 * through Kysely (`Distdb.using`), where it differs from the record's.
 */
export interface Field<TOut = unknown, TIn = TOut, TOptions = unknown, TTarget = unknown, TStored = TOut> {
  readonly kind: FieldKind;
  readonly options: FieldOptions<FieldValue> & Pick<RefOptions, 'as' | 'onDelete'>;
  /** The referenced model, for references. */
  readonly target?: AnyModel;
  readonly __out?: TOut;
  readonly __in?: TIn;
  readonly __options?: TOptions;
  readonly __target?: TTarget;
  readonly __stored?: TStored;
}

// biome-ignore lint/suspicious/noExplicitAny: any field, whatever its value types.
export type AnyField = Field<any, any, any, any, any>;

const field = <TOut, TIn, TOptions, TTarget = unknown, TStored = TOut>(
  kind: FieldKind,
  options: Field['options'] | undefined,
  target?: AnyModel,
): Field<TOut, TIn, TOptions, TTarget, TStored> => ({
  kind,
  options: options ?? {},
  ...(target ? { target } : {}),
});

export interface IdOptions extends Omit<FieldOptions<number>, 'optional' | 'default' | 'unique'> {
  /** Records may come without an id: distdb draws one in blocks, unique across shards. */
  readonly generated?: boolean;
}

export interface TextOptions extends FieldOptions<string> {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly trim?: boolean;
  readonly pattern?: RegExp | string;
}

export interface NumberOptions extends FieldOptions<number> {
  readonly min?: number;
  readonly max?: number;
}

export interface DecimalOptions extends FieldOptions<string> {
  readonly precision: number;
  readonly scale: number;
  readonly min?: string;
  readonly max?: string;
}

/** What deleting a referenced record does to the records referencing it. */
export type OnDelete = 'restrict' | 'cascade' | 'setNull';

export interface RefOptions extends FieldOptions<number> {
  /** Failure code when the referenced record does not exist (default `unknown_<model>`). */
  readonly unknownCode?: string;
  /** The relation's name in `include` (default: the field's name without `_id`). */
  readonly as?: string;
  /**
   * Deleting the referenced record: refused while referenced (`restrict`, the default), deletes
   * this record too (`cascade`), or clears this field (`setNull`, optional references only).
   */
  readonly onDelete?: OnDelete;
}

const patternSource = (p: RegExp | string | undefined) => (p instanceof RegExp ? p.source : p);

/** Field builders: `f.text({ maxLength: 100 })`, `f.ref(Author)`, … */
export const f = {
  /**
   * The primary key: a positive integer, given by the record; with `generated: true` a record
   * may leave it out, and distdb gives it one, unique across every database of the model.
   */
  id: <const O extends IdOptions>(options?: O) =>
    field<number, number, O>({ kind: 'id', ...(options?.generated ? { generated: true } : {}) }, options),
  integer: <const O extends NumberOptions>(options?: O) =>
    field<number, number, O>({ kind: 'integer', min: options?.min, max: options?.max }, options),
  text: <const O extends TextOptions>(options?: O) =>
    field<string, string, O>(
      {
        kind: 'text',
        minLength: options?.minLength ?? 0,
        maxLength: options?.maxLength,
        trim: options?.trim ?? false,
        pattern: patternSource(options?.pattern),
      },
      options,
    ),
  email: <const O extends FieldOptions<string> & { readonly maxLength?: number }>(options?: O) =>
    field<string, string, O>({ kind: 'email', maxLength: options?.maxLength ?? 254 }, options),
  /**
   * Exact: decimal strings in and out (numbers are read by their exact text), never floats.
   * Stored as exact text on PostgreSQL and MariaDB, as integer minor units on SQLite.
   */
  decimal: <const O extends DecimalOptions>(options: O) =>
    field<string, string | number, O, unknown, string | number | bigint>(
      {
        kind: 'decimal',
        precision: options.precision,
        scale: options.scale,
        min: options.min,
        max: options.max,
      },
      options,
    ),
  /** Read back by the drivers as 0 or 1 on every backend (PostgreSQL's by distdb's type parser). */
  boolean: <const O extends FieldOptions<boolean>>(options?: O) =>
    field<boolean, boolean, O, unknown, 0 | 1>({ kind: 'boolean' }, options),
  /** ISO-8601 text with a time zone in; stored in UTC; ISO-8601 (UTC) out. */
  timestamp: <const O extends FieldOptions<string>>(options?: O) =>
    field<string, string | Date, O>({ kind: 'timestamp' }, options),
  enum: <const V extends readonly [string, ...string[]], const O extends FieldOptions<V[number]>>(
    values: V,
    options?: O,
  ) => field<V[number], V[number], O>({ kind: 'enum', values: [...values] }, options),
  /** The id of a record of `model`, which may live in another database. */
  ref: <M extends AnyModel, const O extends RefOptions>(model: M, options?: O) =>
    field<number, number, O, M>(
      { kind: 'reference', model: model.label, unknownCode: options?.unknownCode ?? `unknown_${model.name}` },
      options,
      model,
    ),
};
