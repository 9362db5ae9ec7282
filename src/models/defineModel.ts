import type { ColumnType } from 'kysely';
import { DistdbError } from '../errors.js';
import { checkDeclaration, checkField, checkRelationNames } from './checkDeclaration.js';
import { FAILURE_CODE, type FailureCode } from './failureCodes.js';
import type { AnyField, Field } from './fields.js';
import type { FieldDef, Model } from './model.js';
import { tableOf } from './modelTable.js';
import { validateField } from './validate.js';

type Simplify<T> = { [K in keyof T]: T[K] } & {};
// Every parameter is spelled out: a defaulted one (TStored = TOut) would be inferred from too.
type OptionsOf<F> = F extends Field<unknown, unknown, infer O, unknown, unknown> ? O : never;
type IsOptional<F> = OptionsOf<F> extends { readonly optional: true } ? true : false;
type HasDefault<F> = OptionsOf<F> extends { readonly default: unknown } ? true : false;
type OutOf<F> = F extends Field<infer T, unknown, unknown, unknown, unknown> ? T : never;
type InOf<F> = F extends Field<unknown, infer T, unknown, unknown, unknown> ? T : never;
type TargetOf<F> = F extends Field<unknown, unknown, unknown, infer M, unknown> ? M : never;
type StoredOf<F> = F extends Field<unknown, unknown, unknown, unknown, infer S> ? S : never;
type RelationName<K, F> =
  OptionsOf<F> extends { readonly as: infer A extends string } ? A : K extends `${infer B}_id` ? B : K;
type Fields = Record<string, AnyField>;

/** The record as stored and read back: optional fields may be null. */
export type RecordOf<F extends Fields> = Simplify<
  { -readonly [K in keyof F as IsOptional<F[K]> extends true ? never : K]: OutOf<F[K]> } & {
    -readonly [K in keyof F as IsOptional<F[K]> extends true ? K : never]?: OutOf<F[K]> | null;
  }
>;

type IsGenerated<F> = OptionsOf<F> extends { readonly generated: true } ? true : false;
type Skippable<F> = IsOptional<F> extends true ? true : IsGenerated<F> extends true ? true : HasDefault<F>;

/** The record as written: fields with a default, and optional ones, may be left out. */
export type InputOf<F extends Fields> = Simplify<
  { -readonly [K in keyof F as Skippable<F[K]> extends true ? never : K]: InOf<F[K]> } & {
    -readonly [K in keyof F as Skippable<F[K]> extends true ? K : never]?:
      | InOf<F[K]>
      | (IsOptional<F[K]> extends true ? null : never);
  }
>;

/** Relation name → the referenced model's record type, for each reference field. */
export type RelationsOf<F extends Fields> = Simplify<{
  -readonly [K in keyof F as TargetOf<F[K]> extends Model<unknown, unknown, unknown>
    ? RelationName<K, F[K]>
    : never]: TargetOf<F[K]> extends Model<infer R, unknown, unknown> ? R : never;
}>;

/**
 * A column as Kysely's types say it: read (and written) in the driver's form (StoredOf), null
 * where the field is optional, and left out of an insert where optional or defaulted.
 */
type ColumnOf<F> =
  IsOptional<F> extends true
    ? ColumnType<StoredOf<F> | null, StoredOf<F> | null | undefined, StoredOf<F> | null>
    : HasDefault<F> extends true
      ? ColumnType<StoredOf<F>, StoredOf<F> | undefined, StoredOf<F>>
      : StoredOf<F>;

/** The model's table as a Kysely `Database` interface declares one: column → its type. */
export type ColumnsOf<F extends Fields> = Simplify<{ -readonly [K in keyof F]: ColumnOf<F[K]> }>;

/** The record type of a model: `InferRecord<typeof Author>`. */
export type InferRecord<M> = M extends Model<infer R, unknown, unknown> ? R : never;
/** The type a model accepts on write: `InferInput<typeof Author>`. */
export type InferInput<M> = M extends Model<unknown, infer I, unknown> ? I : never;

export interface ModelDeclaration<N extends string, F extends Fields, T extends string = string> {
  /** The model's name, used in routes and messages: `Author`. */
  readonly name: N;
  /** Its table, in whichever database it is routed to. */
  readonly table: T;
  readonly fields: F;
  /**
   * The model's failure codes in precedence order, when it is not the default: fields in
   * declaration order, each field's `code` then its `duplicateCode`, then reference codes.
   */
  readonly codeOrder?: readonly FailureCode[];
}

/** `BlogPost` → `blog_post`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function fieldDef(name: string, field: AnyField): FieldDef {
  const o = field.options;
  const unique = field.kind.kind === 'id' || (o.unique !== undefined && o.unique !== false);
  return {
    name,
    type: field.kind,
    invalidCode: o.code ?? `invalid_${name}`,
    ...(unique ? { duplicateCode: o.duplicateCode ?? `duplicate_${name}` } : {}),
    ...(o.unique === 'ci' ? { caseInsensitive: true } : {}),
    ...(o.optional ? { optional: true } : {}),
    ...(o.default !== undefined ? { default: o.default } : {}),
    ...(field.kind.kind === 'reference'
      ? { relation: { name: o.as ?? name.replace(/_id$/, ''), onDelete: o.onDelete ?? 'restrict' } }
      : {}),
  };
}

/** Codes in the default precedence: each field's code then its duplicate code, then reference codes. */
function defaultCodes(fields: readonly FieldDef[]): FailureCode[] {
  const codes = new Set<FailureCode>();
  for (const f of fields) {
    codes.add(f.invalidCode);
    if (f.duplicateCode) codes.add(f.duplicateCode);
  }
  for (const f of fields) if (f.type.kind === 'reference') codes.add(f.type.unknownCode);
  return [...codes];
}

function orderedCodes(label: string, derived: FailureCode[], order: readonly FailureCode[] | undefined) {
  if (order === undefined) return derived;
  const given = new Set(order);
  const missing = derived.filter((c) => !given.has(c));
  const extra = order.filter((c) => !derived.includes(c));
  if (missing.length > 0 || extra.length > 0 || given.size !== order.length) {
    throw new DistdbError(
      'config',
      `model ${label}: codeOrder must list each of its codes once (${derived.join(', ')})`,
    );
  }
  return [...order];
}

/** The default in storage form, checked against the field's own rule. */
function storedDefault(label: string, field: FieldDef) {
  if (field.default === undefined) return undefined;
  const r = validateField(field, field.default);
  if ('code' in r) throw new DistdbError('config', `model ${label}: default of ${r.message}`);
  return r.value ?? undefined;
}

/**
 * Declares a model: its fields once, from which come its record types, validation, table,
 * failure codes and generated test data.
 */
export function defineModel<const N extends string, const F extends Fields, const T extends string>(
  declaration: ModelDeclaration<N, F, T>,
): Model<RecordOf<F>, InputOf<F>, RelationsOf<F>, T, ColumnsOf<F>> & { readonly label: N } {
  checkDeclaration(declaration);
  const fields = Object.entries(declaration.fields).map(([name, field]) => {
    checkField(declaration.name, name, field);
    return fieldDef(name, field);
  });
  checkRelationNames(declaration.name, fields);
  const codes = orderedCodes(declaration.name, defaultCodes(fields), declaration.codeOrder);
  for (const code of codes) {
    if (!FAILURE_CODE.test(code)) {
      throw new DistdbError(
        'config',
        `model ${declaration.name}: invalid failure code "${code}" (use a-z, 0-9, _)`,
      );
    }
  }
  const table = tableOf(declaration.table, fields, (f) => storedDefault(declaration.name, f));
  return {
    name: snakeCase(declaration.name),
    label: declaration.name,
    datasetKey: declaration.table,
    fields,
    table,
    codes,
  };
}
