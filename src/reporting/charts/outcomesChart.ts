import { formatCount } from '../renderers/sections.js';
import type { RunReport } from '../report.js';
import {
  CHART_WIDTH,
  type ChartSvg,
  COLORS,
  legendItem,
  rect,
  SMALL_FONT_SIZE,
  svgDocument,
  text,
  textWidth,
  truncateLabel,
} from './svg.js';

const LABEL_WIDTH = 96;
const TOP = 28;
const ROW = 30;
const BAR = 20;

/** Succeeded and failed records per database as horizontal stacked bars on one scale. */
export function outcomesChart(report: RunReport): ChartSvg {
  const dbs = Object.entries(report.databases).map(([alias, d]) => ({
    alias,
    ...d,
    value: `${formatCount(d.succeeded)}/${formatCount(d.attempted)} (${(d.attempted === 0 ? 0 : (d.succeeded / d.attempted) * 100).toFixed(1)}%)`,
  }));
  const max = Math.max(1, ...dbs.map((d) => d.attempted));
  // The longest "succeeded/attempted (rate)" label must fit right of a full-length bar.
  const valueWidth = Math.max(...dbs.map((d) => textWidth(d.value, SMALL_FONT_SIZE))) + 12;
  const plotWidth = CHART_WIDTH - LABEL_WIDTH - valueWidth;
  const [ok, next] = legendItem(LABEL_WIDTH, 14, COLORS.succeeded, 'succeeded');
  const [failed] = legendItem(next, 14, COLORS.failed, 'failed');
  const body = [ok, failed];
  const inside = { color: '#ffffff', size: SMALL_FONT_SIZE };
  dbs.forEach((d, i) => {
    const y = TOP + i * ROW;
    const baseline = y + BAR / 2 + 4.5;
    const okWidth = (d.succeeded / max) * plotWidth;
    const failedWidth = (d.failed / max) * plotWidth;
    body.push(text(LABEL_WIDTH - 8, baseline, truncateLabel(d.alias, 12), { anchor: 'end', bold: true }));
    body.push(rect(LABEL_WIDTH, y, okWidth, BAR, COLORS.succeeded));
    body.push(rect(LABEL_WIDTH + okWidth, y, failedWidth, BAR, COLORS.failed));
    // Counts go inside a segment only where they fit.
    const okCount = formatCount(d.succeeded);
    const failedCount = formatCount(d.failed);
    if (okWidth > textWidth(okCount, SMALL_FONT_SIZE) + 10)
      body.push(text(LABEL_WIDTH + 5, baseline, okCount, inside));
    if (failedWidth > textWidth(failedCount, SMALL_FONT_SIZE) + 10)
      body.push(
        text(LABEL_WIDTH + okWidth + failedWidth - 5, baseline, failedCount, {
          ...inside,
          anchor: 'end',
        }),
      );
    body.push(
      text(LABEL_WIDTH + okWidth + failedWidth + 6, baseline, d.value, {
        color: COLORS.muted,
        size: SMALL_FONT_SIZE,
      }),
    );
  });
  return svgDocument('Outcomes per database', TOP + dbs.length * ROW, body);
}
