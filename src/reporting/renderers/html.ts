import { reportCharts } from '../charts/reportCharts.js';
import { escapeHtml } from '../escape.js';
import type { RunReport } from '../report.js';
import { formatCount, reportSections, type Table } from './sections.js';

/** Nothing may load or run: styles are inline, charts are inline SVG, there is no script. */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #5f6368; --line: #d8dee4; --soft: #f6f8fa;
  --ok: #2e7d32; --bad: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: #fff; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 20px; }
h1 { font-size: 1.6rem; margin: 0 0 8px; }
h2 { font-size: 1.2rem; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 18px 0 6px; }
code { font-size: .95em; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: .85rem; color: #fff;
  background: var(--bad); vertical-align: middle; margin-left: 6px; }
.status.completed { background: var(--ok); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; background: var(--soft); }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.35rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); gap: 16px;
  align-items: start; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
figure svg { display: block; width: 100%; height: auto; max-width: 600px; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 8px 0; }
table { border-collapse: collapse; font-size: .9rem; }
table.full { width: 100%; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.wrap { min-width: 11em; overflow-wrap: anywhere; }
.more, .note { color: var(--muted); }
footer { color: var(--muted); font-size: .8rem; margin-top: 32px; padding-bottom: 24px; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  th, td { padding: 4px 6px; }
  h1 { font-size: 1.3rem; }
  .card .value { font-size: 1.15rem; }
}
@media print {
  @page { size: A4; margin: 14mm; }
  body { font-size: 10pt; }
  header, main, footer { max-width: none; padding: 0; }
  .scroll { overflow: visible; }
  .charts { display: block; }
  figure { break-inside: avoid; margin-bottom: 10px; }
  figure svg { max-width: 14cm; }
  thead { display: table-header-group; }
  tr, .card { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .card, th { background: none; }
  /* Browsers drop backgrounds when printing: the badge keeps its colour as text and border. */
  .status { background: none; color: var(--bad); border: 1px solid currentColor; }
  .status.completed { color: var(--ok); }
}
`;

/**
 * A table whose last column holds free text (`wrapLast`) spans the page with columns sized by
 * weight, so the failure tables of every code line up; tables of figures stay compact.
 */
function htmlTable(table: Table, wrapLast = false): string {
  const cls = (i: number) => {
    const c = table.columns[i];
    if (c?.align === 'right') return ' class="num"';
    return wrapLast && i === table.columns.length - 1 ? ' class="wrap"' : '';
  };
  const total = table.columns.reduce((sum, c) => sum + c.weight, 0);
  const cols = wrapLast
    ? `<colgroup>${table.columns.map((c) => `<col style="width:${((c.weight / total) * 100).toFixed(1)}%">`).join('')}</colgroup>`
    : '';
  const head = table.columns.map((c, i) => `<th${cls(i)}>${escapeHtml(c.header)}</th>`).join('');
  const body = table.rows
    .map((r) => `<tr>${r.map((v, i) => `<td${cls(i)}>${escapeHtml(v)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="scroll"><table${wrapLast ? ' class="full"' : ''}>${cols}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** Self-contained HTML report: one file, no requests, readable on a phone, printable. */
export function renderHtml(report: RunReport, options: { maxFailures?: number } = {}): string {
  const s = reportSections(report, options);
  const facts = s.facts
    // The status is the badge next to the title.
    .filter(([k]) => k !== 'Status')
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('');
  const cards = s.summary
    .map(
      ([k, v]) =>
        `<div class="card"><div class="label">${escapeHtml(k)}</div><div class="value">${escapeHtml(v)}</div></div>`,
    )
    .join('\n');
  const charts = reportCharts(report)
    .map((c) => `<figure><figcaption>${escapeHtml(c.title)}</figcaption>\n${c.svg.markup}\n</figure>`)
    .join('\n');
  const failures: string[] = [];
  if (s.failuresTotal === 0) failures.push('<p class="note">None.</p>');
  else {
    failures.push(htmlTable(s.failureCodes));
    if (s.failuresNote) failures.push(`<p class="note">${escapeHtml(s.failuresNote)}</p>`);
    for (const g of s.failureGroups) {
      failures.push(`<h3><code>${escapeHtml(g.code)}</code> (${formatCount(g.count)})</h3>`);
      if (g.table.rows.length > 0) failures.push(htmlTable(g.table, true));
      if (g.more > 0) failures.push(`<p class="more">… and ${formatCount(g.more)} more</p>`);
    }
  }
  const e = s.expectations;
  const expectations = e
    ? `<section><h2>Expected vs actual (${escapeHtml(e.mismatches)} mismatches)</h2>
${htmlTable(e.outcomes)}
${e.examples.rows.length > 0 ? htmlTable(e.examples) : ''}
</section>
`
    : '';
  const a = s.atomic;
  const atomic = a
    ? `<section><h2>${escapeHtml(a.title)}</h2>
${htmlTable(a.figures)}
${a.wrong.rows.length > 0 ? htmlTable(a.wrong) : ''}
</section>
`
    : '';
  const replicas = s.replicas
    ? `<section><h2>Read replicas</h2>\n${htmlTable(s.replicas)}\n</section>\n`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(s.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(s.title)} <span class="status ${escapeHtml(report.status)}">${escapeHtml(report.status)}</span></h1>
<dl class="facts">${facts}</dl>
</header>
<main>
<section><h2>Summary</h2><div class="cards">
${cards}
</div></section>
<section><h2>Databases</h2>
${htmlTable(s.deployment, true)}
${htmlTable(s.databases)}
</section>
<section><h2>Charts</h2><div class="charts">
${charts}
</div></section>
<section><h2>Threads</h2>
${htmlTable(s.threads)}
</section>
<section><h2>Failures (${formatCount(s.failuresTotal)})</h2>
${failures.join('\n')}
</section>
${expectations}${atomic}${replicas}</main>
<footer>distdb ${escapeHtml(report.version)} · run ${escapeHtml(report.run)} · times in UTC</footer>
</body>
</html>
`;
}
