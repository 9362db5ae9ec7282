import type { AnyKysely, Connection } from '../db/dialect.js';
import { DistdbError } from '../errors.js';
import type { AnyModel } from '../models/model.js';
import type { RoutingHints } from '../routing/router.js';
import { RecordApi } from './api.js';
import type { QueryContext } from './context.js';

/** What a transaction needs of the deployment it runs in. */
export interface TxHost {
  readonly models: readonly AnyModel[];
  model(label: string): AnyModel;
  readAlias(model: AnyModel, hints?: RoutingHints): string;
  writeAlias(model: AnyModel, hints?: RoutingHints): string;
  connection(alias: string): Promise<Connection>;
  checkSchema(model?: AnyModel): Promise<void>;
}

/**
 * The record operations inside one transaction of one database: models read there are read in
 * the transaction (its own writes included), models read elsewhere as usual; a write to a model
 * routed to another database is refused.
 */
export class Tx extends RecordApi {
  constructor(
    private readonly host: TxHost,
    readonly alias: string,
    private readonly conn: Connection,
  ) {
    super();
  }

  protected context(): QueryContext {
    const { host, alias, conn } = this;
    const writeAlias = (m: AnyModel, record?: Readonly<Record<string, unknown>>) => {
      const write = host.writeAlias(m, record ? { record } : {});
      if (write !== alias) {
        throw new DistdbError(
          'usage',
          `${m.label} is written to database "${write}", not to "${alias}" of this transaction`,
        );
      }
      return alias;
    };
    return {
      models: host.models,
      model: (label) => host.model(label),
      reader: async (m) => {
        const read = host.readAlias(m);
        return read === alias ? { alias, conn } : { alias: read, conn: await host.connection(read) };
      },
      writer: async (m, record) => ({ alias: writeAlias(m, record), conn }),
      writeAlias,
      database: async () => ({ alias, conn }),
    };
  }

  protected beforeWrite(model: AnyModel): Promise<void> {
    return this.host.checkSchema(model);
  }

  /** Kysely inside this transaction; only its own database. */
  async using(alias: string = this.alias): Promise<AnyKysely> {
    if (alias !== this.alias) {
      throw new DistdbError('usage', `this transaction is on database "${this.alias}", not "${alias}"`);
    }
    return this.conn.kysely();
  }
}
