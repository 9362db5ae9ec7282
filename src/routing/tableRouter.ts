import type { Router } from './router.js';

/**
 * The default router: a model → alias table from configuration. It abstains for models it does
 * not list, so routers placed after it still get a say.
 */
export function tableRouter(routes: Readonly<Record<string, string>>, name = 'TableRouter'): Router {
  const aliasOf = (model: string) => (Object.hasOwn(routes, model) ? routes[model] : undefined);
  return {
    name,
    dbForRead: (model) => aliasOf(model),
    dbForWrite: (model) => aliasOf(model),
    allowMigrate: (alias, model) => {
      const target = aliasOf(model);
      return target === undefined ? undefined : target === alias;
    },
    // Cross-database references (Order → User) are what distdb exists for; it checks them itself.
    allowRelation: (a, b) => (aliasOf(a) !== undefined && aliasOf(b) !== undefined ? true : undefined),
  };
}
