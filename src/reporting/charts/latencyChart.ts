import { Histogram } from '../../simulation/histogram.js';
import type { RunReport } from '../report.js';
import {
  CHART_WIDTH,
  type ChartSvg,
  COLORS,
  line,
  rect,
  SMALL_FONT_SIZE,
  seriesColor,
  svgDocument,
  text,
  tickLabel,
  truncateLabel,
} from './svg.js';

const LABEL_WIDTH = 112;
const RIGHT = 12;
const TOP = 28;
const PANEL = 54;
const GAP = 10;
const AXIS = 42;
/** Display bins across the whole range; histogram buckets (2% wide) are merged into them. */
const BINS = 32;
/** At least a factor of two on the axis, so a run whose batches all took about as long is not one bar. */
const MIN_BUCKETS = 35;

/**
 * Batch latency distribution per database, one panel each on a shared logarithmic axis, with
 * the report's p50 (solid) and p99 (dashed) marked. Bar height is the share of the database's
 * records, each panel on its own scale.
 */
export function latencyChart(report: RunReport): ChartSvg {
  const series = Object.entries(report.latencyHistograms).filter(([, h]) => h.total > 0);
  if (series.length === 0)
    return svgDocument('Latency per database', 30, [
      text(CHART_WIDTH / 2, 20, 'no latency samples', { anchor: 'middle' }),
    ]);
  const buckets = series.flatMap(([, h]) => Object.keys(h.counts).map(Number));
  let lo = Math.min(...buckets);
  let hi = Math.max(...buckets);
  if (hi - lo + 1 < MIN_BUCKETS) {
    lo = Math.max(0, lo - Math.ceil((MIN_BUCKETS - (hi - lo + 1)) / 2));
    hi = lo + MIN_BUCKETS - 1;
  }
  const group = Math.ceil((hi - lo + 1) / BINS);
  const bins = Math.ceil((hi - lo + 1) / group);
  const lower = Histogram.upperBound(lo - 1);
  const upper = Histogram.upperBound(lo + bins * group - 1);
  const x0 = LABEL_WIDTH;
  const plotWidth = CHART_WIDTH - LABEL_WIDTH - RIGHT;
  const x = (ms: number) =>
    x0 + (Math.log(Math.min(upper, Math.max(lower, ms)) / lower) / Math.log(upper / lower)) * plotWidth;
  const binWidth = plotWidth / bins;
  const bottom = TOP + series.length * (PANEL + GAP);
  const small = { size: SMALL_FONT_SIZE, color: COLORS.muted };

  const body = [
    line(x0, 10, x0 + 18, 10, COLORS.text),
    text(x0 + 22, 14, 'p50', small),
    line(x0 + 58, 10, x0 + 76, 10, COLORS.text, true),
    text(x0 + 80, 14, 'p99', small),
  ];
  for (const t of logTicks(lower, upper)) {
    body.push(line(x(t), TOP - 4, x(t), bottom - GAP, COLORS.grid));
    body.push(text(x(t), bottom + 6, tickLabel(t), { ...small, anchor: 'middle' }));
  }
  body.push(
    text(x0 + plotWidth / 2, bottom + 26, 'batch latency, ms (log scale)', { ...small, anchor: 'middle' }),
  );
  series.forEach(([alias, h], i) => {
    const top = TOP + i * (PANEL + GAP);
    const counts = new Array<number>(bins).fill(0);
    for (const [bucket, count] of Object.entries(h.counts)) {
      const at = Math.min(bins - 1, Math.max(0, Math.floor((Number(bucket) - lo) / group)));
      counts[at] = (counts[at] ?? 0) + count;
    }
    const panelMax = Math.max(...counts);
    const color = seriesColor(i);
    counts.forEach((c, b) => {
      if (c === 0) return;
      const height = (c / panelMax) * (PANEL - 4);
      body.push(rect(x0 + b * binWidth + 0.5, top + PANEL - height, binWidth - 1, height, color));
    });
    body.push(line(x0, top + PANEL, x0 + plotWidth, top + PANEL, COLORS.axis));
    body.push(text(x0 - 8, top + 15, truncateLabel(alias, 12), { anchor: 'end', bold: true, color }));
    const summary = report.databases[alias]?.latencyMs;
    if (!summary) return;
    body.push(line(x(summary.p50), top, x(summary.p50), top + PANEL, COLORS.text));
    body.push(line(x(summary.p99), top, x(summary.p99), top + PANEL, COLORS.text, true));
    body.push(text(x0 - 8, top + 33, `p50 ${tickLabel(summary.p50)} ms`, { ...small, anchor: 'end' }));
    body.push(text(x0 - 8, top + 49, `p99 ${tickLabel(summary.p99)} ms`, { ...small, anchor: 'end' }));
  });
  return svgDocument('Latency per database', bottom + AXIS, body);
}

/** 1-2-5 steps within [lower, upper]; every digit on a short range; only powers of ten on a long one. */
function logTicks(lower: number, upper: number): number[] {
  const within = (steps: number[]) => {
    const out: number[] = [];
    for (let p = Math.floor(Math.log10(lower)); 10 ** p <= upper; p++)
      for (const m of steps) {
        const v = Number((m * 10 ** p).toPrecision(6));
        if (v >= lower && v <= upper) out.push(v);
      }
    return out;
  };
  const ticks = within([1, 2, 5]);
  if (ticks.length < 3) return within([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  return ticks.length > 7 ? ticks.filter((v) => Number.isInteger(Math.log10(v))) : ticks;
}
