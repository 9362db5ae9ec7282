import type { Table } from './sections.js';

/** Names the PDF renderer registers its embedded fonts under. */
export const PDF_FONTS = { regular: 'DejaVuSans', bold: 'DejaVuSans-Bold' } as const;

const FONT_SIZE = 8.5;
const PAD_X = 4;
const PAD_Y = 3;

function bottomLimit(doc: PDFKit.PDFDocument): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `height` more points fit on this one. */
export function ensureSpace(doc: PDFKit.PDFDocument, height: number): void {
  if (doc.y + height > bottomLimit(doc)) doc.addPage();
}

/**
 * Draws a table at the current position across the page width. Rows never split across pages;
 * a table that continues on a new page repeats its header row there, under `caption` (marked
 * as continued) when the table has one.
 */
export function drawTable(doc: PDFKit.PDFDocument, table: Table, caption?: string): void {
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const widths = columnWidths(doc, table, width);
  const header = table.columns.map((c) => c.header);

  const rowHeight = (cells: readonly string[], font: string) => {
    doc.font(font).fontSize(FONT_SIZE);
    return (
      Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: (widths[i] ?? 0) - 2 * PAD_X }))) +
      2 * PAD_Y
    );
  };
  const drawRow = (cells: readonly string[], font: string, fill?: string) => {
    const height = rowHeight(cells, font);
    const y = doc.y;
    if (fill) doc.rect(left, y, width, height).fill(fill);
    let x = left;
    cells.forEach((c, i) => {
      const w = widths[i] ?? 0;
      doc
        .font(font)
        .fontSize(FONT_SIZE)
        .fillColor('#1f2328')
        .text(c, x + PAD_X, y + PAD_Y, { width: w - 2 * PAD_X, align: table.columns[i]?.align ?? 'left' });
      x += w;
    });
    doc
      .moveTo(left, y + height)
      .lineTo(left + width, y + height)
      .lineWidth(0.4)
      .strokeColor('#d8dee4')
      .stroke();
    doc.x = left;
    doc.y = y + height;
  };
  const drawHeader = () => drawRow(header, PDF_FONTS.bold, '#eef1f4');

  // The header never ends a page on its own: it goes where its first row fits.
  const first = table.rows[0];
  ensureSpace(doc, rowHeight(header, PDF_FONTS.bold) + (first ? rowHeight(first, PDF_FONTS.regular) : 0));
  drawHeader();
  for (const row of table.rows) {
    if (doc.y + rowHeight(row, PDF_FONTS.regular) > bottomLimit(doc)) {
      doc.addPage();
      if (caption) {
        doc
          .font(PDF_FONTS.bold)
          .fontSize(10)
          .fillColor('#1f2328')
          .text(`${caption} (continued)`, left, doc.y);
        doc.moveDown(0.2);
      }
      drawHeader();
    }
    drawRow(row, PDF_FONTS.regular);
  }
}

/**
 * Column widths by weight, but never so narrow that a header or a number wraps: columns with
 * room to spare (messages, URLs) give it up to the others.
 */
function columnWidths(doc: PDFKit.PDFDocument, table: Table, width: number): number[] {
  const needed = (text: string, font: string) =>
    doc.font(font).fontSize(FONT_SIZE).widthOfString(text) + 2 * PAD_X + 1;
  const minimum = table.columns.map((c, i) =>
    Math.max(
      needed(c.header, PDF_FONTS.bold),
      ...(c.align === 'right' ? table.rows.map((r) => needed(r[i] ?? '', PDF_FONTS.regular)) : []),
    ),
  );
  const total = table.columns.reduce((sum, c) => sum + c.weight, 0);
  const widths = table.columns.map((c, i) => Math.max(minimum[i] ?? 0, (c.weight / total) * width));
  const excess = widths.reduce((a, b) => a + b, 0) - width;
  const spare = widths.reduce((sum, w, i) => sum + (w - (minimum[i] ?? 0)), 0);
  if (excess <= 0 || spare <= 0) return widths;
  const give = Math.min(1, excess / spare);
  return widths.map((w, i) => w - (w - (minimum[i] ?? 0)) * give);
}
