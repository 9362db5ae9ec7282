import type { TableDef } from '../schema/tableDef.js';
import type { FailureCode } from './failureCodes.js';

/**
 * What a field holds, as declared: its kind drives validation, the column, the database
 * constraint, generated test data and (for references) the cross-database existence check.
 */
export type FieldKind =
  | {
      readonly kind: 'id';
      /** Records may come without an id: distdb draws one (see queries/idBlocks). */
      readonly generated?: boolean;
    }
  | { readonly kind: 'integer'; readonly min?: number; readonly max?: number }
  | {
      readonly kind: 'text';
      readonly minLength: number;
      /** Undefined: bounded only by the record's size. */
      readonly maxLength?: number;
      /** The length rule counts the value without surrounding whitespace; the value is stored as given. */
      readonly trim: boolean;
      /** Source of a regular expression (unicode mode) the value must match. */
      readonly pattern?: string;
    }
  | { readonly kind: 'email'; readonly maxLength: number }
  | {
      readonly kind: 'decimal';
      readonly precision: number;
      readonly scale: number;
      readonly min?: string;
      readonly max?: string;
    }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | {
      readonly kind: 'reference';
      /** The referenced model's name (`Model.label`). */
      readonly model: string;
      readonly unknownCode: FailureCode;
    };

/** A field's value as given in a declaration: what `default` holds. */
export type FieldValue = string | number | boolean | null;

export interface FieldDef {
  readonly name: string;
  readonly type: FieldKind;
  /** Code for a value that breaks the field's rules. */
  readonly invalidCode: FailureCode;
  /** Set for unique fields: the code when an earlier record already holds the value. */
  readonly duplicateCode?: FailureCode;
  /** Unique values compare case-insensitively. */
  readonly caseInsensitive?: boolean;
  /** The field may be absent or null. */
  readonly optional?: boolean;
  /** Stored when the record leaves the field out. */
  readonly default?: FieldValue;
  /** For references: the relation's name in `include`, and what deleting its target does. */
  readonly relation?: { readonly name: string; readonly onDelete: 'restrict' | 'cascade' | 'setNull' };
}

/**
 * A model as distdb runs it: plain data (no functions), so it travels to worker threads as is.
 * `TRecord` is the record as read back, `TInput` the record as written (defaults optional),
 * `TTable` its table's name and `TColumns` the table as Kysely's types describe it.
 */
export interface Model<
  TRecord = Record<string, unknown>,
  TInput = TRecord,
  TRelations = Record<never, never>,
  TTable extends string = string,
  TColumns = unknown,
> {
  /** Snake-case name used in reports, JSON and run history: user, blog_post. */
  readonly name: string;
  /** The declared name, used in routing and messages: User, BlogPost. */
  readonly label: string;
  /** Key of the dataset file holding this model's records: the table name. */
  readonly datasetKey: string;
  readonly fields: readonly FieldDef[];
  readonly table: TableDef;
  /** The model's failure codes in precedence order (see failureCodes). */
  readonly codes: readonly FailureCode[];
  /** Phantom type carriers; never set. */
  readonly __record?: TRecord;
  readonly __input?: TInput;
  /** Relation name → the referenced record type, for `include`. */
  readonly __relations?: TRelations;
  /** The table's name and columns, for the Kysely of `Distdb.using`. */
  readonly __table?: { readonly name: TTable; readonly columns: TColumns };
}

/** Any model, whatever its record types. */
// biome-ignore lint/suspicious/noExplicitAny: the record types are phantoms; any model fits here.
export type AnyModel = Model<any, any, any, any, any>;

export function uniqueFields(model: AnyModel): FieldDef[] {
  return model.fields.filter((f) => f.duplicateCode !== undefined);
}

export type ReferenceField = FieldDef & { readonly type: Extract<FieldKind, { kind: 'reference' }> };

export function referenceFields(model: AnyModel): ReferenceField[] {
  return model.fields.filter((f): f is ReferenceField => f.type.kind === 'reference');
}

/** The reference field whose relation is called `name`, if any. */
export function relationNamed(model: AnyModel, name: string): ReferenceField | undefined {
  return referenceFields(model).find((f) => f.relation?.name === name);
}

/** The field holding the primary key. */
export function primaryField(model: AnyModel): FieldDef {
  const field = model.fields.find((f) => f.name === model.table.primaryKey);
  if (!field) throw new Error(`model ${model.label} has no primary key field`);
  return field;
}
