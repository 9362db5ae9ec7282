import type { RunReport } from '../report.js';

/** The JSON document of `simulate --json` and `report --format json`. */
export function renderJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
