import { truncate } from '../../util/text.js';
import { escapeControl } from '../escape.js';
import type { RunReport } from '../report.js';
import { replicaState } from './sections.js';
import { textTable } from './table.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/**
 * The report's lines. A line built from data is escaped, so data shows as text and never as
 * control sequences or extra lines; a table goes in as it is, with its own line breaks, since
 * textTable has escaped every cell.
 */
class Lines {
  readonly lines: string[] = [];
  push(line: string): void {
    this.lines.push(escapeControl(line));
  }
  table(table: string): void {
    this.lines.push(table);
  }
}

/** Terminal rendering of a run report; shows at most `maxFailures` failures individually. */
export function renderTerminal(report: RunReport, options: { maxFailures?: number } = {}): string {
  const out = new Lines();
  const t = report.totals;
  out.push(
    `distdb run ${report.run} · dataset ${report.dataset} · ${report.threads} threads (${report.workersStarted ?? report.threads} started) · ${report.status}`,
  );
  if (report.error) out.push(`error: ${report.error}`);
  out.push('');
  out.push('Databases');
  out.table(
    textTable(
      ['alias', 'backend', 'models', 'attempted', 'succeeded', 'failed', 'records/s', 'p50 ms', 'p99 ms'],
      Object.entries(report.databases).map(([alias, d]) => [
        alias,
        d.backend,
        d.models.join(','),
        d.attempted,
        d.succeeded,
        d.failed,
        d.recordsPerSecond,
        d.latencyMs.p50,
        d.latencyMs.p99,
      ]),
    ),
  );
  out.push('');
  failures(out, report, options.maxFailures ?? 50);
  out.push('');
  out.push('Threads');
  out.table(
    textTable(
      ['thread', 'records', 'succeeded', 'failed', 'busy ms'],
      report.threadStats.map((x) => [x.thread, x.records, x.succeeded, x.failed, x.busyMs]),
    ),
  );
  out.push('');
  expectations(out, report);
  atomic(out, report);
  replicas(out, report);
  if (report.retries > 0) out.push(`Transient errors retried: ${report.retries}`);
  for (const n of report.notices ?? []) out.push(`Note: ${n}`);
  out.push(
    `Total: ${t.succeeded}/${t.attempted} succeeded (${t.successRate.toFixed(1)}%), ${t.failed} failed · wall time ${seconds(report.durationMs)} · ${report.recordsPerSecond} records/s`,
  );
  return `${out.lines.join('\n')}\n`;
}

function failures(out: Lines, report: RunReport, max: number): void {
  out.push(`Failures (${report.failuresTotal})`);
  if (report.failuresTotal === 0) {
    out.push('  none');
    return;
  }
  out.table(
    textTable(
      ['model', 'id', 'code', 'thread', 'message'],
      report.failures
        .slice(0, max)
        .map((f) => [
          f.model,
          f.id === null ? '-' : truncate(String(f.id), 20),
          f.code,
          f.thread,
          truncate(f.message, 100),
        ]),
    ),
  );
  const shown = Math.min(max, report.failures.length);
  if (report.failuresTotal > shown) out.push(`  … and ${report.failuresTotal - shown} more`);
  out.push(
    `  by code: ${Object.entries(report.failuresByCode)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}`,
  );
}

function atomic(out: Lines, report: RunReport): void {
  const a = report.atomic;
  if (!a) return;
  out.push(
    `Atomic transactions (${a.models.drawing} with ${a.models.stocked}.stock): ${a.committed} committed, ${a.rolledBack} rolled back, ${a.retried} retried`,
  );
  const s = a.stock;
  out.push(
    `  books ${s.holds ? 'balance' : 'DO NOT balance'}: initial stock ${s.initial} = left ${s.left} + drawn ${s.drawn}, over ${s.records} ${a.models.stocked} records`,
  );
  for (const w of s.wrong)
    out.push(
      `  ${a.models.stocked} ${w.id}: initial ${w.initial ?? '-'}, left ${w.left ?? '-'}, drawn ${w.drawn}`,
    );
  out.push('');
}

function replicas(out: Lines, report: RunReport): void {
  for (const set of report.replicas ?? []) {
    const each = set.replicas.map(
      (r) =>
        `${r.replica} ${replicaState(r)}${r.lagMs === undefined ? '' : `, lag ${r.lagMs} ms`}, ${r.reads} reads`,
    );
    out.push(
      `Read replicas of ${set.database}: ${each.join('; ')}; the primary served ${set.primaryReads} reads`,
    );
  }
}

function expectations(out: Lines, report: RunReport): void {
  const e = report.expectations;
  if (!e) return;
  out.push(`Expected vs actual (generated dataset): ${e.mismatches} mismatches`);
  const codes = [...new Set([...Object.keys(e.expected), ...Object.keys(e.actual)])];
  out.table(
    textTable(
      ['outcome', 'expected', 'actual'],
      codes.map((c) => [c, e.expected[c] ?? 0, e.actual[c] ?? 0]),
    ),
  );
  for (const m of e.examples)
    out.push(`  mismatch: ${m.model} #${m.index} expected ${m.expected}, got ${m.actual}`);
  out.push('');
}
