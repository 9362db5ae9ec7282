import type { Command } from 'commander';
import { describeShards } from '../../inspect/describeShards.js';
import { textTable } from '../../reporting/renderers/table.js';
import { type CommonOptions, type Io, withCommonOptions, withDistdb } from '../context.js';

export function shardsCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('shards').argument('[model]', 'a sharded model (default: every one)'))
    .description('show, per shard of each sharded model: database, backend, rows and share of rows')
    .option('--json', 'print the shards as JSON')
    .action(async (name: string | undefined, opts: CommonOptions & { json?: boolean }) => {
      await withDistdb(opts, async (db) => {
        const list = await describeShards(db, name === undefined ? undefined : db.model(name));
        if (opts.json) {
          io.out(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        if (list.length === 0) {
          io.out('no model is sharded\n');
          return;
        }
        const rows = list.flatMap((m) =>
          m.shards.map((s) => [
            m.model,
            m.rule,
            s.database,
            s.backend,
            s.rows,
            `${(s.share * 100).toFixed(1)}%`,
          ]),
        );
        io.out(`${textTable(['model', 'rule', 'database', 'backend', 'rows', 'share'], rows, '')}\n`);
      });
    });
}
