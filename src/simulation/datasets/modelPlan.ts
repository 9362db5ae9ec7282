import { codeRanks, type FailureCode } from '../../models/failureCodes.js';
import type { AnyModel, FieldDef } from '../../models/model.js';
import { fieldValues, type Values } from './fieldValues.js';
import { type FieldViolation, fieldViolations } from './violations.js';

/** The one problem a bad record is given. */
export type Violation =
  | ({ readonly kind: 'field'; readonly field: number } & FieldViolation)
  /** A unique field (the id included) holding the value of an earlier record that lands. */
  | { readonly kind: 'duplicate'; readonly name: string; readonly field: number }
  /** A reference to an id beyond the referenced model's records. */
  | { readonly kind: 'missingRef'; readonly name: string; readonly field: number }
  /** A reference to a record of the referenced model that does not land. */
  | { readonly kind: 'failedRef'; readonly name: string; readonly field: number }
  | { readonly kind: 'unknownField'; readonly name: string };

export interface FieldPlan extends Values {
  readonly field: FieldDef;
  /** Random stream of the field's values. */
  readonly stream: number;
}

/** Everything about a model the generator works out once. */
export interface ModelPlan {
  readonly model: AnyModel;
  readonly count: number;
  readonly fields: readonly FieldPlan[];
  readonly violations: readonly Violation[];
  /** Random streams: whether a record is bad, and the details of what is wrong with it. */
  readonly kindStream: number;
  readonly badStream: number;
  /** A key the model does not declare. */
  readonly unknownKey: string;
  readonly rank: (code: FailureCode) => number;
}

/** FNV-1a: a stream number per model and purpose, the same in every thread and process. */
export function streamOf(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

function unknownKeyOf(model: AnyModel): string {
  const names = new Set(model.fields.map((f) => f.name));
  let key = 'extra';
  while (names.has(key)) key += '_x';
  return key;
}

function recordViolations(fields: readonly FieldPlan[]): Violation[] {
  const out: Violation[] = [];
  fields.forEach(({ field }, k) => {
    if (field.duplicateCode !== undefined)
      out.push({ kind: 'duplicate', name: `${field.name}:duplicate`, field: k });
    if (field.type.kind === 'reference') {
      out.push({ kind: 'missingRef', name: `${field.name}:missing_ref`, field: k });
      out.push({ kind: 'failedRef', name: `${field.name}:failed_ref`, field: k });
    }
  });
  out.push({ kind: 'unknownField', name: 'unknown_field' });
  return out;
}

export function planModel(model: AnyModel, counts: Readonly<Record<string, number>>): ModelPlan {
  const count = counts[model.datasetKey] ?? 0;
  const fields = model.fields.map(
    (field): FieldPlan => ({
      field,
      stream: streamOf(`${model.name}/field/${field.name}`),
      ...fieldValues(`${model.label}.${field.name}`, field, count),
    }),
  );
  const violations: Violation[] = [
    ...fields.flatMap((fp, k) =>
      fieldViolations(fp.field, fp.text).map((v): Violation => ({ kind: 'field', field: k, ...v })),
    ),
    ...recordViolations(fields),
  ];
  return {
    model,
    count,
    fields,
    violations,
    kindStream: streamOf(`${model.name}/kind`),
    badStream: streamOf(`${model.name}/bad`),
    unknownKey: unknownKeyOf(model),
    rank: codeRanks([model]),
  };
}
