import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { reportCharts } from '../charts/reportCharts.js';
import { escapeControl } from '../escape.js';
import type { RunReport } from '../report.js';
import { drawTable, ensureSpace, PDF_FONTS } from './pdfTable.js';
import { formatCount, reportSections } from './sections.js';

export type PageSize = 'a4' | 'letter';

const require = createRequire(import.meta.url);
// Fonts ship with the package and are embedded (subset), so the PDF looks the same everywhere
// and its text can be extracted; no system font is used.
const FONT_FILES = {
  [PDF_FONTS.regular]: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  [PDF_FONTS.bold]: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
};
const MARGIN = 40;
/** Chart width in points: chart text comes out a little larger than table text. */
const CHART_BOX = 360;
const MUTED = '#5f6368';
const INK = '#1f2328';

/** PDF report: same sections as HTML, charts drawn as vectors from the same SVG. */
export function renderPdf(
  report: RunReport,
  options: { maxFailures?: number; pageSize?: PageSize } = {},
): Promise<Buffer> {
  const s = reportSections(report, options);
  const doc = new PDFDocument({
    size: options.pageSize === 'letter' ? 'LETTER' : 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 12, left: MARGIN, right: MARGIN },
    bufferPages: true,
    font: FONT_FILES[PDF_FONTS.regular],
    info: {
      Title: s.title,
      Author: escapeControl(`distdb ${report.version}`),
      Subject: escapeControl(`dataset ${report.dataset}`),
    },
    lang: 'en',
  });
  for (const [name, file] of Object.entries(FONT_FILES)) doc.registerFont(name, file);
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;

  doc.font(PDF_FONTS.bold).fontSize(20).fillColor(INK).text(s.title);
  doc.moveDown(0.3);
  keyValues(doc, s.facts, width);

  heading(doc, 'Summary', 60);
  summaryCards(doc, s.summary, width);

  heading(doc, 'Databases', 80);
  drawTable(doc, s.deployment);
  doc.moveDown(0.6);
  drawTable(doc, s.databases);
  for (const chart of reportCharts(report)) {
    const height = chart.svg.height * (CHART_BOX / chart.svg.width);
    heading(doc, chart.title, height + 8);
    SVGtoPDF(doc, chart.svg.markup, MARGIN, doc.y, {
      width: CHART_BOX,
      height,
      fontCallback: (_family, bold) => (bold ? PDF_FONTS.bold : PDF_FONTS.regular),
    });
    doc.x = MARGIN;
    doc.y += height + 6;
  }

  heading(doc, 'Threads', 60);
  drawTable(doc, s.threads);

  heading(doc, `Failures (${formatCount(s.failuresTotal)})`, 60);
  if (s.failuresTotal === 0) note(doc, 'None.');
  else {
    drawTable(doc, s.failureCodes);
    if (s.failuresNote) note(doc, s.failuresNote);
    for (const g of s.failureGroups) {
      ensureSpace(doc, 60);
      doc.moveDown(0.5);
      const caption = `${g.code} (${formatCount(g.count)})`;
      doc.font(PDF_FONTS.bold).fontSize(10).fillColor(INK).text(caption);
      doc.moveDown(0.2);
      if (g.table.rows.length > 0) drawTable(doc, g.table, caption);
      if (g.more > 0) note(doc, `… and ${formatCount(g.more)} more`);
    }
  }
  if (s.expectations) {
    heading(doc, `Expected vs actual (${s.expectations.mismatches} mismatches)`, 60);
    drawTable(doc, s.expectations.outcomes);
    if (s.expectations.examples.rows.length > 0) {
      doc.moveDown(0.6);
      drawTable(doc, s.expectations.examples);
    }
  }
  if (s.atomic) {
    heading(doc, s.atomic.title, 60);
    drawTable(doc, s.atomic.figures);
    if (s.atomic.wrong.rows.length > 0) {
      doc.moveDown(0.6);
      drawTable(doc, s.atomic.wrong);
    }
  }
  if (s.replicas) {
    heading(doc, 'Read replicas', 60);
    drawTable(doc, s.replicas);
  }
  footers(doc, s.title);
  doc.end();
  return done;
}

function heading(doc: PDFKit.PDFDocument, title: string, keepWithNext: number): void {
  ensureSpace(doc, 34 + keepWithNext);
  doc.x = MARGIN;
  doc.moveDown(0.8);
  doc.font(PDF_FONTS.bold).fontSize(13).fillColor(INK).text(title);
  const y = doc.y + 2;
  doc
    .moveTo(MARGIN, y)
    .lineTo(doc.page.width - MARGIN, y)
    .lineWidth(0.5)
    .strokeColor('#d8dee4')
    .stroke();
  doc.y = y + 6;
}

function note(doc: PDFKit.PDFDocument, text: string): void {
  ensureSpace(doc, 16);
  doc.x = MARGIN;
  doc.moveDown(0.3);
  doc.font(PDF_FONTS.regular).fontSize(9).fillColor(MUTED).text(text);
}

function keyValues(
  doc: PDFKit.PDFDocument,
  pairs: readonly (readonly [string, string])[],
  width: number,
): void {
  const labelWidth = 90;
  for (const [k, v] of pairs) {
    const y = doc.y;
    doc.font(PDF_FONTS.regular).fontSize(9.5).fillColor(MUTED).text(k, MARGIN, y, { width: labelWidth });
    doc.fillColor(INK).text(v, MARGIN + labelWidth, y, { width: width - labelWidth });
    doc.moveDown(0.15);
  }
  doc.x = MARGIN;
}

/** The summary figures as a row of boxes, label above value. */
function summaryCards(doc: PDFKit.PDFDocument, pairs: readonly (readonly [string, string])[], width: number) {
  const gap = 6;
  const cardWidth = (width - gap * (pairs.length - 1)) / pairs.length;
  const height = 40;
  const y = doc.y;
  pairs.forEach(([k, v], i) => {
    const x = MARGIN + i * (cardWidth + gap);
    doc.roundedRect(x, y, cardWidth, height, 4).lineWidth(0.5).fillAndStroke('#f6f8fa', '#d8dee4');
    doc
      .font(PDF_FONTS.regular)
      .fontSize(8)
      .fillColor(MUTED)
      .text(k, x + 6, y + 6, { width: cardWidth - 12 });
    // Large figures shrink to fit their box rather than run into the next one.
    doc.font(PDF_FONTS.bold).fontSize(13);
    doc
      .fontSize(Math.min(13, (13 * (cardWidth - 12)) / doc.widthOfString(v)))
      .fillColor(INK)
      .text(v, x + 6, y + 19, { width: cardWidth - 12, lineBreak: false });
  });
  doc.x = MARGIN;
  doc.y = y + height + 4;
}

/** Page numbers, drawn once every page exists; inside the bottom margin, so no page is added. */
function footers(doc: PDFKit.PDFDocument, title: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font(PDF_FONTS.regular)
      .fontSize(8)
      .fillColor(MUTED)
      .text(`${title} · page ${i + 1} of ${range.count}`, MARGIN, doc.page.height - MARGIN + 4, {
        width: doc.page.width - 2 * MARGIN,
        align: 'right',
        lineBreak: false,
      });
    doc.page.margins.bottom = bottom;
  }
}
