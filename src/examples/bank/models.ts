import { defineModel } from '../../models/defineModel.js';
import { f } from '../../models/fields.js';

/** A bank: accounts whose balances move in transfers, the example of transactions across databases. */
export const AccountModel = defineModel({
  name: 'Account',
  table: 'accounts',
  fields: {
    id: f.id(),
    owner: f.text({ minLength: 1, maxLength: 100 }),
    balance: f.integer({ min: 0 }),
  },
});

export const BANK_MODELS = [AccountModel] as const;
