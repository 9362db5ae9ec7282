import type { RunReport } from '../report.js';
import {
  CHART_WIDTH,
  type ChartSvg,
  COLORS,
  line,
  niceTicks,
  rect,
  SMALL_FONT_SIZE,
  seriesColor,
  svgDocument,
  text,
  tickLabel,
} from './svg.js';

const LEFT = 50;
const RIGHT = 14;
const TOP = 26;
const PLOT = 140;
const AXIS = 46;

/** Records committed per second in each interval of the run's timeline. */
export function throughputChart(report: RunReport): ChartSvg {
  const timeline = report.timeline.filter((b) => b.endMs > b.startMs);
  const rates = timeline.map((b) => b.records / ((b.endMs - b.startMs) / 1000));
  const endMs = Math.max(1, report.durationMs, ...timeline.map((b) => b.endMs));
  const plotWidth = CHART_WIDTH - LEFT - RIGHT;
  const bottom = TOP + PLOT;
  const yTicks = niceTicks(Math.max(0, ...rates), 4);
  const yMax = yTicks.at(-1) ?? 1;
  const xTicks = niceTicks(endMs / 1000, 5).filter((s) => s * 1000 <= endMs * 1.0001);
  const x = (ms: number) => LEFT + (ms / endMs) * plotWidth;
  const y = (rate: number) => bottom - (rate / yMax) * PLOT;
  const small = { size: SMALL_FONT_SIZE, color: COLORS.muted };

  const body = [text(4, 14, 'records/s', small)];
  for (const t of yTicks) {
    body.push(line(LEFT, y(t), LEFT + plotWidth, y(t), COLORS.grid));
    body.push(text(LEFT - 6, y(t) + 4, tickLabel(t), { ...small, anchor: 'end' }));
  }
  timeline.forEach((b, i) => {
    const rate = rates[i] ?? 0;
    const left = x(b.startMs);
    // A hairline gap keeps neighbouring intervals apart unless they are too thin for one.
    const width = Math.max(0.5, x(b.endMs) - left - (timeline.length > 80 ? 0 : 1));
    body.push(rect(left, y(rate), width, bottom - y(rate), seriesColor(0)));
  });
  body.push(line(LEFT, bottom, LEFT + plotWidth, bottom, COLORS.axis));
  for (const s of xTicks) {
    body.push(line(x(s * 1000), bottom, x(s * 1000), bottom + 4, COLORS.axis));
    body.push(text(x(s * 1000), bottom + 18, tickLabel(s), { ...small, anchor: 'middle' }));
  }
  body.push(
    text(LEFT + plotWidth / 2, bottom + 38, 'time since the run started, s', { ...small, anchor: 'middle' }),
  );
  if (timeline.length === 0)
    body.push(text(LEFT + plotWidth / 2, TOP + PLOT / 2, 'no records committed', { anchor: 'middle' }));
  return svgDocument('Throughput over time', bottom + AXIS, body);
}
