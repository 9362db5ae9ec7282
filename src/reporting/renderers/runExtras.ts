import type { RunReport } from '../report.js';
import { formatCount, left, right, type Table, table } from './sectionTables.js';

/** `simulate --atomic`: its transactions, the check of the books, and where they do not balance. */
export function atomicSections(a: NonNullable<RunReport['atomic']>): {
  readonly title: string;
  readonly figures: Table;
  readonly wrong: Table;
} {
  const s = a.stock;
  const books = `${s.holds ? 'balance' : 'do not balance'}: initial ${formatCount(s.initial)} = left ${formatCount(s.left)} + drawn ${formatCount(s.drawn)}`;
  return {
    title: `Atomic transactions (${a.models.drawing} with ${a.models.stocked}.stock)`,
    figures: table(
      [left('what', 2), right('value', 3)],
      [
        ['committed', formatCount(a.committed)],
        ['rolled back', formatCount(a.rolledBack)],
        ['retried', formatCount(a.retried)],
        [`${a.models.stocked} records checked`, formatCount(s.records)],
        ['books', books],
      ],
    ),
    wrong: table(
      [left(a.models.stocked), right('initial'), right('left'), right('drawn')],
      s.wrong.map((w) => [w.id, String(w.initial ?? '-'), String(w.left ?? '-'), String(w.drawn)]),
    ),
  };
}

/** A replica's state in a word: `serving`, or why it gets no reads. */
export function replicaState(r: { serving: boolean; health: string }): string {
  if (r.serving) return 'serving';
  return r.health === 'standby' ? 'behind' : r.health.replace('_', ' ');
}

export function replicaTable(sets: NonNullable<RunReport['replicas']>): Table {
  return table(
    [left('database'), left('replica', 2), left('state'), right('lag ms'), right('behind'), right('reads')],
    sets.flatMap((s) => [
      ...s.replicas.map((r) => [
        s.database,
        r.replica,
        replicaState(r),
        r.lagMs === undefined ? '-' : formatCount(r.lagMs),
        r.lagBytes !== undefined
          ? `${formatCount(r.lagBytes)} B`
          : r.lagTransactions !== undefined
            ? `${formatCount(r.lagTransactions)} tx`
            : '-',
        formatCount(r.reads),
      ]),
      [s.database, 'primary', '', '', '', formatCount(s.primaryReads)],
    ]),
  );
}
