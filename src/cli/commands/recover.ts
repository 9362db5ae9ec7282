import type { Command } from 'commander';
import { DistdbError } from '../../errors.js';
import { type CommonOptions, type Io, withCommonOptions, withDistdb } from '../context.js';

export function recoverCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('recover'))
    .description(
      'end every transaction across databases a crash left in doubt: commit those whose decision is logged, roll back the others',
    )
    .option('--json', 'print what was done as JSON')
    .action(async (opts: CommonOptions & { json?: boolean }) => {
      await withDistdb(opts, async (db) => {
        const result = await db.recover();
        if (opts.json) {
          io.out(`${JSON.stringify(result, null, 2)}\n`);
        } else {
          for (const b of result.branches) io.out(`${b.action}: ${b.xid} on ${b.alias}\n`);
          for (const u of result.unreachable) io.err(`not reached: ${u.alias}: ${u.message}\n`);
          const ended = result.branches.filter(
            (b) => b.action === 'committed' || b.action === 'rolled back',
          ).length;
          const live = result.branches.filter((b) => b.action === 'in progress').length;
          const left = result.branches.filter((b) => b.action === 'in doubt').length;
          const parts = [
            ended === 0 ? 'nothing was ended' : `${ended} prepared branch${ended === 1 ? '' : 'es'} ended`,
          ];
          if (live > 0) parts.push(`${live} belong to transactions still in progress`);
          if (left > 0) parts.push(`${left} left in doubt until every database answers`);
          io.out(`${parts.join('; ')}\n`);
        }
        const missed = result.unreachable.map((u) => u.alias);
        if (missed.length > 0)
          throw new DistdbError(
            'runtime',
            `not every database answered (${missed.join(', ')}): what they hold stays in doubt until recover runs again`,
          );
      });
    });
}
