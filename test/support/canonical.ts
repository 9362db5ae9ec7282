import type { RunReport } from 'distdb';

/** What the original demo's 30 records must give, on every backend, at every thread count. */
export const CANONICAL_OUTCOME = {
  totals: { attempted: 30, succeeded: 24, failed: 6, successRate: 80 },
  databases: {
    users: { attempted: 10, succeeded: 8, failed: 2 },
    products: { attempted: 10, succeeded: 9, failed: 1 },
    orders: { attempted: 10, succeeded: 7, failed: 3 },
  },
  failures: [
    ['user', 8, 'duplicate_email'],
    ['user', 10, 'invalid_name'],
    ['product', 10, 'invalid_price'],
    ['order', 8, 'invalid_quantity'],
    ['order', 9, 'invalid_quantity'],
    ['order', 10, 'unknown_user'],
  ],
};

/** The parts of a report that must not depend on threads, timing or backend. */
export function outcomeOf(report: RunReport) {
  return {
    totals: report.totals,
    databases: Object.fromEntries(
      Object.entries(report.databases).map(([alias, d]) => [
        alias,
        { attempted: d.attempted, succeeded: d.succeeded, failed: d.failed },
      ]),
    ),
    failures: report.failures.map((f) => [f.model, f.id, f.code]),
  };
}
