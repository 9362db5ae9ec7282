import { DistdbError } from '../../errors.js';
import { type AnyModel, type FieldDef, type ReferenceField, referenceFields } from '../../models/model.js';

/** The field of a model holding what is left of it, and the field of a record drawing on it. */
export const STOCK_FIELD = 'stock';
export const QUANTITY_FIELD = 'quantity';

/**
 * What `simulate --atomic` runs: each record of `drawing` is inserted together with a decrement
 * of the `stock` of the `stocked` record its reference `via` names, in one transaction across
 * their databases.
 */
export interface StockPlan {
  readonly stocked: AnyModel;
  readonly drawing: AnyModel;
  readonly via: ReferenceField;
}

const isInteger = (m: AnyModel, name: string) =>
  m.fields.some((f) => f.name === name && f.type.kind === 'integer' && !f.optional);

/**
 * The schema's stocked model (the one with an integer `stock` field) and the model whose records
 * draw on it (an integer `quantity` and a reference to it). Anything else is a usage error
 * naming what is missing.
 */
export function stockPlan(models: readonly AnyModel[]): StockPlan {
  const stocked = models.filter((m) => isInteger(m, STOCK_FIELD));
  if (stocked.length !== 1) {
    throw new DistdbError(
      'usage',
      stocked.length === 0
        ? `simulate --atomic needs a model with a required integer field "${STOCK_FIELD}"; the schema's models (${models.map((m) => m.label).join(', ')}) have none`
        : `simulate --atomic needs one model with a field "${STOCK_FIELD}", found ${stocked.map((m) => m.label).join(' and ')}`,
    );
  }
  const target = stocked[0] as AnyModel;
  const drawing = models.flatMap((m) => {
    const via = referenceFields(m).filter((f) => f.type.model === target.label);
    return via.length === 1 && isInteger(m, QUANTITY_FIELD)
      ? [{ drawing: m, via: via[0] as ReferenceField }]
      : [];
  });
  if (drawing.length !== 1) {
    throw new DistdbError(
      'usage',
      drawing.length === 0
        ? `simulate --atomic needs a model with a reference to ${target.label} and a required integer field "${QUANTITY_FIELD}"`
        : `simulate --atomic needs one model drawing on ${target.label}'s stock, found ${drawing.map((d) => d.drawing.label).join(' and ')}`,
    );
  }
  return { stocked: target, ...(drawing[0] as { drawing: AnyModel; via: ReferenceField }) };
}

/** A unique field's value as its uniqueness compares it (case-insensitive ones lower-cased). */
export function uniqueValue(f: FieldDef, fields: Readonly<Record<string, unknown>>): string {
  const v = String(fields[f.name]);
  return f.caseInsensitive ? v.toLowerCase() : v;
}
