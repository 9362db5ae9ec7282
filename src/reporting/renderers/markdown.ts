import { escapeMarkdown } from '../escape.js';
import type { RunReport } from '../report.js';
import { formatCount, reportSections, type Table } from './sections.js';

function markdownTable(table: Table): string {
  const row = (cells: readonly string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  return [
    row(table.columns.map((c) => c.header)),
    `|${table.columns.map((c) => (c.align === 'right' ? ' ---: ' : ' --- ')).join('|')}|`,
    ...table.rows.map(row),
  ].join('\n');
}

function facts(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `- **${escapeMarkdown(k)}:** ${escapeMarkdown(v)}`).join('\n');
}

/** Markdown report (`--format md`): the same sections as HTML and PDF, without charts. */
export function renderMarkdown(report: RunReport, options: { maxFailures?: number } = {}): string {
  const s = reportSections(report, options);
  const out = [
    `# ${escapeMarkdown(s.title)}`,
    facts(s.facts),
    '## Summary',
    facts(s.summary),
    '## Databases',
    markdownTable(s.deployment),
    markdownTable(s.databases),
    '## Threads',
    markdownTable(s.threads),
    `## Failures (${formatCount(s.failuresTotal)})`,
  ];
  if (s.failuresTotal === 0) out.push('None.');
  else {
    out.push(markdownTable(s.failureCodes));
    if (s.failuresNote) out.push(escapeMarkdown(s.failuresNote));
    for (const g of s.failureGroups) {
      out.push(`### ${escapeMarkdown(g.code)} (${formatCount(g.count)})`);
      if (g.table.rows.length > 0) out.push(markdownTable(g.table));
      if (g.more > 0) out.push(`… and ${formatCount(g.more)} more`);
    }
  }
  if (s.expectations) {
    out.push(`## Expected vs actual (${s.expectations.mismatches} mismatches)`);
    out.push(markdownTable(s.expectations.outcomes));
    if (s.expectations.examples.rows.length > 0) out.push(markdownTable(s.expectations.examples));
  }
  if (s.atomic) {
    out.push(`## ${escapeMarkdown(s.atomic.title)}`, markdownTable(s.atomic.figures));
    if (s.atomic.wrong.rows.length > 0) out.push(markdownTable(s.atomic.wrong));
  }
  if (s.replicas) out.push('## Read replicas', markdownTable(s.replicas));
  return `${out.join('\n\n')}\n`;
}
