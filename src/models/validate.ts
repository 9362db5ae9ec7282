import type { Row } from '../db/dialect.js';
import { numberText, truncate, typeName } from '../util/text.js';
import { checkValue, Invalid, type StoredValue } from './checkValue.js';
import type { Issue } from './failureCodes.js';
import type { AnyModel, FieldDef } from './model.js';
import { recordBoundProblem } from './recordBounds.js';

/** Every field that passed its own rules, in storage form, plus every problem found. */
export interface Validation {
  readonly row: Row;
  readonly issues: Issue[];
}

/** The value a field stores for `v` (its default when left out), or the issue with it. */
export function validateField(field: FieldDef, v: unknown): { value: StoredValue } | Issue {
  const r = fieldValue(field, v);
  return isIssue(r) ? r : { value: r };
}

/** validateField without an object around a value that passes (a record's fields take this). */
function fieldValue(field: FieldDef, v: unknown): StoredValue | Issue {
  if (v === undefined && field.default !== undefined) v = field.default;
  if (v === undefined || v === null) {
    if (field.optional) return null;
    return { code: field.invalidCode, field: field.name, message: `${field.name} is required` };
  }
  const r = checkValue(field.name, field.type, v);
  return r instanceof Invalid ? { code: field.invalidCode, field: field.name, message: r.error } : r;
}

const isIssue = (r: StoredValue | Issue): r is Issue => typeof r === 'object' && r !== null;

const declared = new WeakMap<AnyModel, Set<string>>();

function fieldNames(model: AnyModel): Set<string> {
  let names = declared.get(model);
  if (!names) {
    names = new Set(model.fields.map((f) => f.name));
    declared.set(model, names);
  }
  return names;
}

/** The issue of a key its model does not declare. */
export function unknownField(model: AnyModel, key: string): Issue {
  return {
    code: 'unknown_field',
    field: key,
    message: `field "${truncate(key)}" is not a field of ${model.label}`,
  };
}

/** Keys of the record its model does not declare: each is an `unknown_field` issue. */
function unknownFields(model: AnyModel, record: Record<string, unknown>, issues: Issue[]): void {
  const names = fieldNames(model);
  for (const key in record) {
    if (names.has(key) || !Object.hasOwn(record, key)) continue;
    issues.push(unknownField(model, key));
  }
}

/** Application-level validation of one input record against a model; never throws. */
export function validateRecord(model: AnyModel, input: unknown): Validation {
  const row: Row = {};
  const issues: Issue[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const first = model.fields[0];
    issues.push({
      code: first?.invalidCode ?? 'invalid_record',
      field: first?.name ?? '',
      message: `record must be an object, got ${typeName(input)}`,
    });
    return { row, issues };
  }
  const bound = recordBoundProblem(input);
  if (bound) return { row, issues: [{ ...bound, field: '' }] };
  const record = input as Record<string, unknown>;
  unknownFields(model, record, issues);
  for (const field of model.fields) {
    const r = fieldValue(field, record[field.name]);
    if (isIssue(r)) issues.push(r);
    else row[field.name] = r;
  }
  return { row, issues };
}

/** The record's primary key as given, for reports (null when unusable; a long one shortened). */
export function recordId(model: AnyModel, input: unknown): string | number | null {
  if (typeof input !== 'object' || input === null) return null;
  const id = (input as Record<string, unknown>)[model.table.primaryKey];
  if (typeof id === 'number') return id;
  const text = typeof id === 'string' ? id : numberText(id);
  return text === undefined ? null : truncate(text, 100);
}
