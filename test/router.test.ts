import { type Router, RouterChain, tableRouter } from 'distdb';
import { describe, expect, it } from 'vitest';

const table = tableRouter({ User: 'users', Product: 'products', Order: 'orders', Run: 'default' });

describe('router chain', () => {
  it('routes each model to its database through the table router', () => {
    const chain = new RouterChain([table]);
    expect(chain.dbForRead('User')).toEqual({ value: 'users', router: 'TableRouter' });
    expect(chain.dbForWrite('Order')).toEqual({ value: 'orders', router: 'TableRouter' });
  });

  it('skips routers that abstain and lets the first answer win', () => {
    const abstains: Router = { name: 'Abstains', dbForRead: () => undefined, dbForWrite: () => undefined };
    const archive: Router = { name: 'Archive', dbForRead: (m) => (m === 'Order' ? 'archive' : undefined) };
    const chain = new RouterChain([abstains, archive, table]);
    expect(chain.dbForRead('Order')).toEqual({ value: 'archive', router: 'Archive' });
    expect(chain.dbForRead('User')).toEqual({ value: 'users', router: 'TableRouter' });
    expect(chain.dbForWrite('Order')).toEqual({ value: 'orders', router: 'TableRouter' });
  });

  it('passes the record being written as a hint, so a router can route by key', () => {
    const shards: Router = {
      name: 'Shards',
      dbForWrite: (model, hints) =>
        model === 'User' && typeof hints.record?.id === 'number' ? `users_${hints.record.id % 2}` : undefined,
    };
    const chain = new RouterChain([shards, table]);
    expect(chain.dbForWrite('User', { record: { id: 3 } }).value).toBe('users_1');
    expect(chain.dbForWrite('User', { record: { id: 4 } }).value).toBe('users_0');
    expect(chain.dbForWrite('User').value).toBe('users');
  });

  it('falls back to the default database when every router abstains', () => {
    expect(new RouterChain([]).dbForWrite('User')).toEqual({ value: 'default', router: 'fallback' });
  });

  it('allows a model to migrate only to its own database', () => {
    const chain = new RouterChain([table]);
    expect(chain.allowMigrate('users', 'User').value).toBe(true);
    expect(chain.allowMigrate('products', 'User').value).toBe(false);
    expect(chain.allowMigrate('default', 'User').value).toBe(false);
    expect(chain.allowMigrate('default', 'Run').value).toBe(true);
  });

  it('lets an earlier router veto or allow a migration', () => {
    const noOrders: Router = {
      name: 'NoOrders',
      allowMigrate: (_a, m) => (m === 'Order' ? false : undefined),
    };
    const chain = new RouterChain([noOrders, table]);
    expect(chain.allowMigrate('orders', 'Order')).toEqual({ value: false, router: 'NoOrders' });
    expect(chain.allowMigrate('users', 'User')).toEqual({ value: true, router: 'TableRouter' });
  });

  it('allows relations between routed models across databases, and abstains on unknown ones', () => {
    const chain = new RouterChain([table]);
    expect(chain.allowRelation('Order', 'User').value).toBe(true);
    expect(chain.allowRelation('Thing', 'Other')).toEqual({ value: true, router: 'fallback' });
  });
});
