import { fairShares } from '../../util/fairShares.js';
import { truncate } from '../../util/text.js';
import { escapeControl } from '../escape.js';
import type { Expectations, FailureReport, RunReport } from '../report.js';
import { atomicSections, replicaTable } from './runExtras.js';
import { formatCount, left, right, type Table, table } from './sectionTables.js';

export { replicaState } from './runExtras.js';
export type { Column, Table } from './sectionTables.js';
export { formatCount } from './sectionTables.js';

/** The failures of one code: the exact count, the records listed, and how many are not. */
export interface FailureGroup {
  readonly code: string;
  readonly count: number;
  readonly table: Table;
  readonly more: number;
}

/**
 * What the Markdown, HTML and PDF reports show, already formatted, so they show the same
 * figures the same way and only differ in layout. Text from data is escaped (escapeControl):
 * no renderer gets a control character, a line break or a bidi override from a record.
 */
export interface ReportSections {
  readonly title: string;
  readonly facts: readonly (readonly [string, string])[];
  readonly summary: readonly (readonly [string, string])[];
  readonly deployment: Table;
  readonly databases: Table;
  readonly threads: Table;
  readonly failureCodes: Table;
  readonly failureGroups: readonly FailureGroup[];
  readonly failuresTotal: number;
  /** Says how the list was chosen when it does not hold every failure. */
  readonly failuresNote?: string;
  /** Generated datasets: intended outcomes against actual ones. */
  readonly expectations?: { readonly mismatches: string; readonly outcomes: Table; readonly examples: Table };
  /** `simulate --atomic`: its transactions, the check of the books, and where they do not balance. */
  readonly atomic?: { readonly title: string; readonly figures: Table; readonly wrong: Table };
  /** Deployments with read replicas: each replica's state at the end and the reads it served. */
  readonly replicas?: Table;
}

/** Individual failures a report lists unless told otherwise; counts are always exact. */
export const DEFAULT_MAX_FAILURES = 200;

export function formatPercent(rate: number): string {
  return `${rate.toFixed(1)}%`;
}

/** Latency with about three significant digits. */
export function formatMs(ms: number): string {
  return ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0);
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** ISO time → `2025-01-31 14:05:09 UTC`, the same whatever the reader's time zone. */
export function formatTime(iso: string): string {
  return `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC`;
}

function rate(succeeded: number, attempted: number): string {
  return attempted === 0 ? '-' : formatPercent(Math.round((succeeded / attempted) * 1000) / 10);
}

export function reportSections(report: RunReport, options: { maxFailures?: number } = {}): ReportSections {
  return {
    title: escapeControl(`distdb run ${report.run}`),
    facts: factsOf(report),
    summary: summaryOf(report),
    ...databaseSections(report),
    threads: table(
      [right('thread'), right('records'), right('succeeded'), right('failed'), right('busy ms')],
      report.threadStats.map((x) => [
        String(x.thread),
        formatCount(x.records),
        formatCount(x.succeeded),
        formatCount(x.failed),
        formatCount(Math.round(x.busyMs)),
      ]),
    ),
    ...failureSections(report, options.maxFailures ?? DEFAULT_MAX_FAILURES),
    ...(report.expectations ? { expectations: expectationSections(report.expectations) } : {}),
    ...(report.atomic ? { atomic: atomicSections(report.atomic) } : {}),
    ...(report.replicas ? { replicas: replicaTable(report.replicas) } : {}),
  };
}

function factsOf(report: RunReport): [string, string][] {
  const facts: [string, string][] = [
    ['Status', report.status],
    ...(report.error ? ([['Error', report.error]] as [string, string][]) : []),
    ['Started', formatTime(report.startedAt)],
    ['Finished', formatTime(report.finishedAt)],
    ['distdb version', report.version],
    ['Dataset', report.dataset],
    [
      'Threads',
      `${formatCount(report.threads)} (${formatCount(report.workersStarted ?? report.threads)} started)`,
    ],
  ];
  return facts.map(([k, v]) => [k, escapeControl(v)]);
}

function summaryOf(report: RunReport): [string, string][] {
  const t = report.totals;
  return [
    ['Attempted', formatCount(t.attempted)],
    ['Succeeded', formatCount(t.succeeded)],
    ['Failed', formatCount(t.failed)],
    ['Success rate', formatPercent(t.successRate)],
    ['Wall time', formatSeconds(report.durationMs)],
    ['Records/s', formatCount(report.recordsPerSecond)],
    ...(report.retries > 0 ? ([['Retries', formatCount(report.retries)]] as [string, string][]) : []),
  ];
}

function databaseSections(report: RunReport): Pick<ReportSections, 'deployment' | 'databases'> {
  const dbs = Object.entries(report.databases);
  return {
    deployment: table(
      [left('database', 1.2), left('backend'), left('models', 1.2), left('URL', 4)],
      dbs.map(([alias, d]) => [alias, d.backend, d.models.join(', '), d.url]),
    ),
    databases: table(
      [
        left('database', 1.4),
        right('attempted'),
        right('succeeded'),
        right('failed'),
        right('success'),
        right('records/s'),
        right('p50 ms'),
        right('p95 ms'),
        right('p99 ms'),
        right('max ms'),
      ],
      dbs.map(([alias, d]) => [
        alias,
        formatCount(d.attempted),
        formatCount(d.succeeded),
        formatCount(d.failed),
        rate(d.succeeded, d.attempted),
        formatCount(d.recordsPerSecond),
        formatMs(d.latencyMs.p50),
        formatMs(d.latencyMs.p95),
        formatMs(d.latencyMs.p99),
        formatMs(d.latencyMs.max),
      ]),
    ),
  };
}

function expectationSections(e: Expectations): NonNullable<ReportSections['expectations']> {
  const outcomes = [...new Set([...Object.keys(e.expected), ...Object.keys(e.actual)])];
  return {
    mismatches: formatCount(e.mismatches),
    outcomes: table(
      [left('outcome', 3), right('expected'), right('actual')],
      outcomes.map((o) => [o, formatCount(e.expected[o] ?? 0), formatCount(e.actual[o] ?? 0)]),
    ),
    examples: table(
      [left('model'), right('record #'), left('expected', 2), left('actual', 2)],
      e.examples.map((m) => [m.model, String(m.index), m.expected, m.actual]),
    ),
  };
}

function failureSections(
  report: RunReport,
  maxFailures: number,
): Pick<ReportSections, 'failureCodes' | 'failureGroups' | 'failuresTotal' | 'failuresNote'> {
  const codes = Object.entries(report.failuresByCode)
    .map(([code, count]) => ({ code, count: count ?? 0 }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  const byCode = listedByCode(report.failures, maxFailures);
  let shown = 0;
  for (const rows of byCode.values()) shown += rows.length;
  return {
    failureCodes: table(
      [left('code', 3), right('records'), right('share')],
      codes.map(({ code, count }) => [code, formatCount(count), rate(count, report.failuresTotal)]),
    ),
    failureGroups: codes.map(({ code, count }) => {
      const rows = byCode.get(code) ?? [];
      return {
        code: escapeControl(code),
        count,
        more: Math.max(0, count - rows.length),
        table: table(
          [left('model', 1.1), left('id', 1.1), right('thread', 0.9), left('message', 7)],
          rows.map((f) => [
            f.model,
            f.id === null ? '-' : truncate(String(f.id), 40),
            String(f.thread),
            truncate(f.message, 300),
          ]),
        ),
      };
    }),
    failuresTotal: report.failuresTotal,
    ...(shown < report.failuresTotal
      ? {
          failuresNote: `Listing ${formatCount(shown)} of ${formatCount(report.failuresTotal)} failures, the first of each code in dataset order; the counts are exact.`,
        }
      : {}),
  };
}

/**
 * Which failures to list: at most `max`, shared out evenly between codes (a code with fewer
 * takes all it has and leaves the rest to the others), each code's first ones in dataset order.
 * So a large run whose first failures are all one code still shows examples of every code.
 */
function listedByCode(failures: readonly FailureReport[], max: number): Map<string, FailureReport[]> {
  const byCode = new Map<string, FailureReport[]>();
  for (const f of failures) {
    const group = byCode.get(f.code);
    if (group) group.push(f);
    else byCode.set(f.code, [f]);
  }
  const groups = [...byCode];
  const shares = fairShares(
    groups.map(([, rows]) => rows.length),
    max,
  );
  groups.forEach(([code, rows], i) => {
    byCode.set(code, rows.slice(0, shares[i]));
  });
  return byCode;
}
