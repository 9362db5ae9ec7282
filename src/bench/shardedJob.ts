import { performance } from 'node:perf_hooks';
import { openDistdb } from '../distdb.js';
import { shopSchema } from '../examples/shop/schema.js';
import { productRecords, userRecords } from './libraryData.js';
import type { ChildResult, ShardedJob } from './types.js';

/** The shop deployment of a bench job: its databases, and its sharding rules if any. */
export function openShop(urls: Record<string, string>, sharding?: Record<string, unknown>) {
  return openDistdb({ urls, env: {}, defaultSchema: shopSchema, ...(sharding ? { sharding } : {}) });
}

/**
 * insertMany of valid generated records of one shop model, sharded or in one database, in its
 * own process. Connecting, the schema check and generating the records come before the clock.
 */
export async function runShardedJob(job: ShardedJob): Promise<ChildResult> {
  const db = await openShop(job.urls, job.sharding);
  try {
    const model = db.model(job.model);
    await db.checkSchema();
    await db.count(model);
    const records = job.model === 'User' ? userRecords(job.records) : productRecords(job.records);
    const start = performance.now();
    const outcomes = await db.insertMany(model, records);
    const ms = performance.now() - start;
    // Every record is valid and new: any refusal is a mismatch, and so is a count that differs.
    const stored = await db.count(model);
    return {
      recordsPerSecond: Math.round((job.records / ms) * 1000),
      ms,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      mismatches: outcomes.filter((o) => !o.ok).length + Math.abs(stored - job.records),
    };
  } finally {
    await db.close();
  }
}
