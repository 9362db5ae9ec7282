import { type Issue, sortIssues } from '../models/failureCodes.js';
import type { AnyModel } from '../models/model.js';
import type { RecordOutcome } from '../store/outcome.js';

/** A refused write's outcome: the first issue's code (by the model's precedence), every message. */
export function refused(
  model: AnyModel,
  id: string | number | null,
  issues: readonly Issue[],
): RecordOutcome {
  const sorted = sortIssues(model, issues);
  const first = sorted[0];
  return {
    ok: false,
    id,
    code: first?.code ?? 'invalid_record',
    message: sorted.map((i) => i.message).join('; '),
  };
}

export function notFound(model: AnyModel, id: unknown): RecordOutcome {
  return {
    ok: false,
    id: typeof id === 'number' || typeof id === 'string' ? id : null,
    code: 'not_found',
    message: `${model.label} ${String(id)} does not exist`,
  };
}
