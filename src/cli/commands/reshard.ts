import type { Command } from 'commander';
import { DistdbError } from '../../errors.js';
import { textTable } from '../../reporting/renderers/table.js';
import { type ReshardResult, reshard } from '../../reshard/reshard.js';
import { type CommonOptions, type Io, withCommonOptions, withDistdb } from '../context.js';

interface ReshardFlags extends CommonOptions {
  to?: string;
  resume?: boolean;
  abort?: boolean;
  json?: boolean;
}

export function reshardCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('reshard').argument('<model>', 'a model sharded by hash of its id'))
    .description(
      'move a sharded model to a new layout while it is written: copy, catch up, verify, switch, clean up',
    )
    .option(
      '--to <databases>',
      'the databases of the new layout, comma-separated: the current ones, then the ones to add',
    )
    .option('--resume', 'finish the reshard an interruption left')
    .option('--abort', 'give up a reshard that has not switched yet (the old layout stays)')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: ReshardFlags) => {
      const chosen = [opts.to !== undefined, opts.resume === true, opts.abort === true].filter(
        Boolean,
      ).length;
      if (chosen !== 1)
        throw new DistdbError('usage', 'reshard needs exactly one of --to, --resume and --abort');
      await withDistdb(opts, async (db) => {
        const to = opts.to?.split(',').map((a) => a.trim());
        const result = await reshard(db, db.model(name), {
          ...(to ? { to } : {}),
          resume: opts.resume === true,
          abort: opts.abort === true,
        });
        io.out(opts.json ? `${JSON.stringify(result, null, 2)}\n` : summary(result));
      });
    });
}

function summary(r: ReshardResult): string {
  if (r.status === 'aborted')
    return `${r.model}: reshard given up; layout ${r.to.version} (${r.to.databases.join(', ')}) stays in force\n`;
  const lines = [
    `${r.model}: layout ${r.from.version} (${r.from.databases.join(', ')}) → layout ${r.to.version} (${r.to.databases.join(', ')})`,
    `copied ${r.rowsCopied} rows, applied ${r.changesApplied} changes written meanwhile${r.fenceMs === undefined ? '' : `; writes waited at most ${r.fenceMs} ms at the switch`}`,
  ];
  if (r.verification) {
    const rows = r.verification.moves.map((m) => [
      m.from,
      m.to,
      m.rows,
      m.copies,
      m.checksum.slice(0, 16),
      m.same ? 'same' : 'DIFFERENT',
    ]);
    lines.push(textTable(['from', 'to', 'rows', 'copies', 'checksum', 'check'], rows, ''));
    const v = r.verification;
    lines.push(
      `checked again with writes held: ${v.recheckedBuckets} id buckets; copied again: ${v.repairedBuckets}`,
    );
  }
  lines.push(`removed ${r.rowsRemoved} moved rows from their old shards`);
  return `${lines.join('\n')}\n`;
}
