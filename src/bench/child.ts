import { Histogram } from '../simulation/histogram.js';
import { simulate } from '../simulation/simulate.js';
import { runLibraryJob } from './libraryJob.js';
import { plainLimit } from './plainLimit.js';
import { rawBaseline } from './rawBaseline.js';
import { openShop, runShardedJob } from './shardedJob.js';
import type { BenchJob, ChildResult } from './types.js';

/**
 * One measurement in a fresh process, so its peak RSS is its own. Prints one JSON line.
 */
async function main(job: BenchJob): Promise<ChildResult> {
  if (job.kind === 'library') return runLibraryJob(job);
  if (job.kind === 'sharded') return runShardedJob(job);
  if (job.kind === 'raw' || job.kind === 'limit') {
    const r =
      job.kind === 'raw'
        ? await rawBaseline(job.backend, job.rawTargets, job.spec, job.order)
        : await plainLimit(job.backend, job.method, job.targets, job.spec);
    return {
      recordsPerSecond: r.recordsPerSecond,
      ms: r.ms,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    };
  }
  const db = await openShop(job.urls, job.sharding);
  try {
    const report = await simulate(db, {
      threads: job.threads,
      existing: 'reset',
      confirmReset: true,
      dataset: { kind: 'generated', name: 'bench', spec: job.spec },
    });
    const all = new Histogram();
    for (const h of Object.values(report.latencyHistograms)) all.merge(Histogram.from(h));
    return {
      recordsPerSecond: report.recordsPerSecond,
      ms: report.durationMs,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      p50Ms: all.percentile(50),
      p99Ms: all.percentile(99),
      mismatches: report.expectations?.mismatches ?? 0,
    };
  } finally {
    await db.close();
  }
}

const job = JSON.parse(process.argv[2] ?? '{}') as BenchJob;
process.stdout.write(`${JSON.stringify(await main(job))}\n`);
