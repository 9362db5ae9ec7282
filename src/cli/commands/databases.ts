import type { Command } from 'commander';
import { DistdbError } from '../../errors.js';
import { describeDatabases } from '../../inspect/describeDatabases.js';
import type { ReplicaStatus } from '../../replicas/replicaSet.js';
import { escapeControl } from '../../reporting/escape.js';
import { textTable } from '../../reporting/renderers/table.js';
import { type CommonOptions, type Io, withCommonOptions, withDistdb } from '../context.js';

export function databasesCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('databases'))
    .description(
      'list the configured databases: backend, URL, reachability, migrations, row counts, prepared transactions in doubt and read replicas (lag)',
    )
    .option('--json', 'print the list as JSON')
    .action(async (opts: CommonOptions & { json?: boolean }) => {
      await withDistdb(opts, async (db) => {
        const list = await describeDatabases(db);
        if (opts.json) io.out(`${JSON.stringify(list, null, 2)}\n`);
        else {
          const rows = list.map((d) => [
            d.alias,
            d.backend,
            d.url,
            // The reason goes below the table, which stays as wide as its values.
            d.reachable ? 'ok' : 'unreachable',
            d.migrations ? `${d.migrations.applied} applied, ${d.migrations.pending} pending` : '-',
            d.rows
              ? Object.entries(d.rows)
                  .map(([t, n]) => `${t} ${n}`)
                  .join(', ') || '-'
              : '-',
            d.inDoubt === undefined ? '-' : String(d.inDoubt),
          ]);
          const head = ['alias', 'backend', 'url', 'status', 'migrations', 'rows', 'in doubt'];
          io.out(`${textTable(head, rows, '')}\n`);
          const replicas = list.flatMap((d) => d.replicas ?? []);
          if (replicas.length > 0) io.out(`\nreplicas:\n${replicaTable(replicas)}\n`);
          if (list.some((d) => (d.inDoubt ?? 0) > 0))
            io.out('\nprepared transactions are in doubt: `distdb recover` ends those a crash left\n');
          const reasons = list
            .filter((d) => !d.reachable)
            .map((d) => `  ${d.error ?? `database "${d.alias}" is not reachable`}`);
          if (reasons.length > 0) io.out(`\nunreachable:\n${textLines(reasons)}`);
        }
        const down = list.find((d) => !d.reachable);
        if (down)
          throw new DistdbError('connection', down.error ?? `database "${down.alias}" is not reachable`);
      });
    });
}

const HEALTH: Record<ReplicaStatus['health'], string> = {
  unknown: 'not checked',
  standby: 'standby',
  unreachable: 'unreachable',
  promoted: 'not a standby',
  other_data: 'other data',
};

function replicaTable(replicas: readonly ReplicaStatus[]): string {
  const rows = replicas.map((r) => [
    r.database,
    r.replica,
    r.url,
    r.serving ? 'serving' : r.health === 'standby' ? 'behind' : HEALTH[r.health],
    r.lagMs === undefined ? '-' : `${r.lagMs} ms`,
    r.lagBytes !== undefined
      ? `${r.lagBytes} B`
      : r.lagTransactions !== undefined
        ? `${r.lagTransactions} tx`
        : '-',
    r.problem ?? '',
  ]);
  return textTable(['database', 'replica', 'url', 'status', 'lag', 'behind', 'why'], rows, '');
}

function textLines(lines: readonly string[]): string {
  return lines.map((l) => `${escapeControl(l)}\n`).join('');
}
