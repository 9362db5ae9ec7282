import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DistdbError, errorMessage } from '../../errors.js';
import { escapeControl } from '../../reporting/escape.js';
import type { PageSize } from '../../reporting/renderers/pdf.js';
import {
  REPORT_EXTENSIONS,
  REPORT_FORMATS,
  type RenderOptions,
  type ReportFormat,
  renderReport,
} from '../../reporting/renderers/render.js';
import { DEFAULT_MAX_FAILURES } from '../../reporting/renderers/sections.js';
import type { RunReport } from '../../reporting/report.js';
import type { RunStore } from '../../runs/runStore.js';
import { scrub } from '../../secrets.js';
import { fairShares } from '../../util/fairShares.js';
import { type CommonOptions, type Io, parseIntOption, withCommonOptions, withDistdb } from '../context.js';
import { openRunStore } from './runs.js';

interface ReportFlags extends CommonOptions {
  format: ReportFormat;
  out?: string;
  pageSize: PageSize;
  maxFailures: number;
}

function parseRunId(value: string): number | 'latest' {
  if (value === 'latest') return value;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a run id (a positive integer) or "latest"');
  return Number(value);
}

/**
 * The stored report with as many individual failures of each code as the renderer lists
 * (`max` shared out between the codes, as the renderers share it): the stored report keeps
 * some of each code, run history keeps them all.
 */
export async function withFailures(store: RunStore, report: RunReport, max: number): Promise<RunReport> {
  const codes = Object.entries(report.failuresByCode).map(([code, count]) => ({ code, count: count ?? 0 }));
  const shares = fairShares(
    codes.map((c) => c.count),
    max,
  );
  const stored = new Map<string, RunReport['failures']>();
  for (const f of report.failures) {
    const list = stored.get(f.code);
    if (list) list.push(f);
    else stored.set(f.code, [f]);
  }
  const short = codes.filter(({ code }, i) => (shares[i] ?? 0) > (stored.get(code)?.length ?? 0));
  if (short.length === 0) return report;
  const failures: RunReport['failures'] = [];
  for (const [i, { code }] of codes.entries()) {
    const held = stored.get(code) ?? [];
    const share = shares[i] ?? 0;
    failures.push(...(share > held.length ? await store.failuresOfCode(report.run, code, share) : held));
  }
  return { ...report, failures };
}

/**
 * Renders a report and writes it to `out`, or to `distdb-run-<id>.<ext>` when `toFile` is set;
 * otherwise text goes to stdout. A written file is announced on stderr.
 */
export async function emitReport(
  io: Io,
  report: RunReport,
  format: ReportFormat,
  options: RenderOptions & { out?: string | undefined; toFile: boolean },
): Promise<void> {
  const content = await renderReport(report, format, options);
  const path =
    options.out ?? (options.toFile ? `distdb-run-${report.run}.${REPORT_EXTENSIONS[format]}` : undefined);
  if (path === undefined) {
    io.out(String(content));
    return;
  }
  try {
    // Text passes the same secret scrubbing as stdout; the PDF is drawn from the redacted report.
    // Reports list failed records (names, emails): readable by their owner only.
    writeFileSync(path, typeof content === 'string' ? scrub(content) : content, { mode: 0o600 });
  } catch (err) {
    throw new DistdbError('usage', `cannot write the report to ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  io.err(`${escapeControl(`wrote report run ${report.run} (${format}) to ${path}`)}\n`);
}

export function reportCommand(program: Command, io: Io): void {
  withCommonOptions(program.command('report'))
    .description('render the report of a past run: text, json, md, html or pdf')
    .argument('<run>', 'run id, or "latest"', parseRunId)
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('text'))
    .option('--out <file>', 'write to this file (pdf default: distdb-run-<id>.pdf; others default to stdout)')
    .addOption(new Option('--page-size <size>', 'PDF page size').choices(['a4', 'letter']).default('a4'))
    .addOption(
      new Option('--max-failures <n>', 'failed records listed one by one (counts are always exact)')
        .argParser(parseIntOption('--max-failures', 0, 100_000))
        .default(DEFAULT_MAX_FAILURES),
    )
    .action(async (run: number | 'latest', opts: ReportFlags) => {
      await withDistdb(opts, async (db) => {
        const store = await openRunStore(db);
        const stored = store ? await store.get(run) : undefined;
        if (!store || !stored)
          throw new DistdbError(
            'usage',
            run === 'latest'
              ? 'no runs yet: distdb simulate records one'
              : `no report for run ${run} (distdb runs lists the runs)`,
          );
        // JSON is the stored document as is, the same one `simulate --json` printed.
        const report = opts.format === 'json' ? stored : await withFailures(store, stored, opts.maxFailures);
        await emitReport(io, report, opts.format, {
          out: opts.out,
          toFile: opts.format === 'pdf',
          pageSize: opts.pageSize,
          maxFailures: opts.maxFailures,
        });
      });
    });
}
