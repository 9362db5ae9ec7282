import type { RunReport } from '../report.js';
import { renderJson } from './json.js';
import type { PageSize } from './pdf.js';
import { renderTerminal } from './terminal.js';

export const REPORT_FORMATS = ['text', 'json', 'md', 'html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderOptions {
  /** Individual failures listed; counts are exact whatever it is. */
  maxFailures?: number;
  pageSize?: PageSize;
}

/** File name extension of each format. */
export const REPORT_EXTENSIONS: Record<ReportFormat, string> = {
  text: 'txt',
  json: 'json',
  md: 'md',
  html: 'html',
  pdf: 'pdf',
};

/** One report value, any format: PDF is binary, the others are text. */
export async function renderReport(
  report: RunReport,
  format: ReportFormat,
  options: RenderOptions = {},
): Promise<string | Buffer> {
  const failures = { maxFailures: options.maxFailures };
  switch (format) {
    case 'text':
      return renderTerminal(report, failures);
    case 'json':
      return renderJson(report);
    // Renderers are loaded when asked for: every command would otherwise pay for all of them.
    case 'md':
      return (await import('./markdown.js')).renderMarkdown(report, failures);
    case 'html':
      return (await import('./html.js')).renderHtml(report, failures);
    case 'pdf': {
      // pdfkit and its fonts take a fifth of a second to load.
      const { renderPdf } = await import('./pdf.js');
      return renderPdf(report, { ...failures, pageSize: options.pageSize });
    }
  }
}
