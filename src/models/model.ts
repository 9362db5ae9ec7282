import type { TableDef } from '../schema/tableDef.js';
import type { FailureCode } from './failureCodes.js';

/**
 * A field is declared once: its kind drives validation, the column, the database constraint and
 * (for references) the cross-database existence check.
 */
export type FieldKind =
  | { readonly kind: 'id' }
  | { readonly kind: 'name'; readonly minTrimmed: number; readonly maxTrimmed: number }
  | { readonly kind: 'email'; readonly maxLength: number }
  | {
      readonly kind: 'decimal';
      readonly precision: number;
      readonly scale: number;
      readonly min: string;
      readonly max: string;
    }
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'reference'; readonly model: string; readonly unknownCode: FailureCode };

export interface FieldDef {
  readonly name: string;
  readonly type: FieldKind;
  /** Code for a value that breaks the field's rules. */
  readonly invalidCode: FailureCode;
  /** Set for unique fields: the code when an earlier record already holds the value. */
  readonly duplicateCode?: FailureCode;
}

/** `TRecord` is the record as users see it (decimals as strings); rows hold decimals as minor units. */
export interface Model<TRecord = unknown> {
  /** Lower-case name used in reports and JSON: user, product, order. */
  readonly name: string;
  /** Name used in routing tables and messages: User, Product, Order. */
  readonly label: string;
  /** Key of the dataset file holding this model's records. */
  readonly datasetKey: string;
  readonly fields: readonly FieldDef[];
  readonly table: TableDef;
  /** Phantom type carrier; never set. */
  readonly __record?: TRecord;
}

export function uniqueFields(model: Model): FieldDef[] {
  return model.fields.filter((f) => f.duplicateCode !== undefined);
}

export function referenceFields(model: Model): (FieldDef & { type: { kind: 'reference' } })[] {
  return model.fields.filter(
    (f): f is FieldDef & { type: { kind: 'reference' } } => f.type.kind === 'reference',
  );
}
