import { DistdbError } from '../errors.js';
import { type AnyModel, referenceFields } from '../models/model.js';
import type { RouterChain } from './routerChain.js';

/** Every reference of the schema must be allowed by the router chain (`allowRelation`). */
export function checkRelations(router: RouterChain, models: readonly AnyModel[]): void {
  for (const m of models) {
    for (const f of referenceFields(m)) {
      const decision = router.allowRelation(m.label, f.type.model);
      if (!decision.value) {
        throw new DistdbError(
          'config',
          `router ${decision.router} does not allow the relation ${m.label}.${f.name} → ${f.type.model}`,
        );
      }
    }
  }
}
