import type { AnyModel } from '../../models/model.js';

/** `--records N` shared equally among the models (earlier models take the remainder). */
export function evenSplit(total: number, models: readonly AnyModel[]): Record<string, number> {
  const n = models.length;
  return Object.fromEntries(
    models.map((m, i) => [m.datasetKey, Math.floor(total / n) + (i < total % n ? 1 : 0)]),
  );
}
