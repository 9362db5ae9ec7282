import type { RunReport } from '../report.js';
import { latencyChart } from './latencyChart.js';
import { outcomesChart } from './outcomesChart.js';
import type { ChartSvg } from './svg.js';
import { throughputChart } from './throughputChart.js';

export interface Chart {
  readonly title: string;
  readonly svg: ChartSvg;
}

/** The charts of a report, in the order HTML and PDF show them. */
export function reportCharts(report: RunReport): Chart[] {
  return [
    { title: 'Outcomes per database', svg: outcomesChart(report) },
    { title: 'Latency distribution per database', svg: latencyChart(report) },
    { title: 'Throughput over time', svg: throughputChart(report) },
  ];
}
