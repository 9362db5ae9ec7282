import type { Command } from 'commander';
import { RUN_MODEL } from '../../config/defaults.js';
import { textTable } from '../../reporting/renderers/table.js';
import type { Shards } from '../../routing/router.js';
import { type CommonOptions, type Io, withCommonOptions, withDistdb } from '../context.js';

/** A sharded model's read and write: `hash(id): posts_0,posts_1`. */
function shardList(shards: Shards): string {
  return `${shards.label}: ${shards.databases.join(',')}`;
}

export function routesCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('routes'))
    .description('show where each model is read from, written to and migrated, and which router decided')
    .action(async (opts: CommonOptions) => {
      await withDistdb(opts, async (db) => {
        const rows = [...db.models.map((m) => m.label), RUN_MODEL].map((label) => {
          const shards = db.router.shards(label);
          const read = shards
            ? { value: shardList(shards), router: shards.router }
            : db.router.dbForRead(label);
          const write = shards ? read : db.router.dbForWrite(label);
          const migrateTo = db.aliases.filter((a) => db.router.allowMigrate(a, label).value);
          const deciders = new Set([
            read.router,
            write.router,
            ...db.aliases.map((a) => db.router.allowMigrate(a, label).router),
          ]);
          return [label, read.value, write.value, migrateTo.join(',') || '-', [...deciders].join(',')];
        });
        io.out(`${textTable(['model', 'read', 'write', 'migrate', 'router'], rows, '')}\n`);
      });
    });
}
