import { performance } from 'node:perf_hooks';
import { openDistdb } from '../distdb.js';
import { OrderModel, UserModel } from '../examples/shop/models.js';
import { shopSchema } from '../examples/shop/schema.js';
import { callers, missingFound, orderIds, type UserRecord, userRecords } from './libraryData.js';
import { plainSession, type Session } from './libraryPlain.js';
import type { ChildResult, LibraryJob } from './types.js';

/**
 * One library row's measurement, in its own process: distdb's insertMany, find with include or
 * concurrent single inserts, or the plain driver's equivalent. Connecting, reading the
 * migration files and generating the records come before the clock starts, for both.
 */
async function distdbSession(job: LibraryJob): Promise<Session> {
  const db = await openDistdb({ urls: job.urls, env: {}, defaultSchema: shopSchema });
  const close = () => db.close();
  // The once-per-process costs (schema check, connections, Kysely) are paid before timing.
  await db.checkSchema();
  await db.count(UserModel);
  await db.count(OrderModel);
  if (job.op === 'find') {
    const ids = orderIds(job.records);
    const run = async () => {
      const found = await db.find(OrderModel, { where: { id: { in: ids } }, include: ['user'] });
      return missingFound(ids, found);
    };
    return { run, close };
  }
  const records = userRecords(job.records);
  if (job.op === 'insertMany')
    return { run: async () => (await db.insertMany(UserModel, records)).filter((o) => !o.ok).length, close };
  const one = async (i: number) => (await db.insert(UserModel, records[i] as UserRecord)).ok;
  return { run: () => callers(job.callers, records.length, one), close };
}

/** Reads change nothing: `find` runs once to warm up, then this many times, the median reported. */
export const FIND_CALLS = 5;

async function timed(run: () => Promise<number>): Promise<{ ms: number; mismatches: number }> {
  const start = performance.now();
  const mismatches = await run();
  return { ms: performance.now() - start, mismatches };
}

export async function runLibraryJob(job: LibraryJob): Promise<ChildResult> {
  const session = await (job.side === 'distdb' ? distdbSession(job) : plainSession(job));
  try {
    let result: { ms: number; mismatches: number };
    if (job.op === 'find') {
      await session.run();
      const calls: { ms: number; mismatches: number }[] = [];
      for (let i = 0; i < FIND_CALLS; i++) calls.push(await timed(session.run));
      result = calls.sort((a, b) => a.ms - b.ms)[Math.floor(FIND_CALLS / 2)] as typeof result;
    } else result = await timed(session.run);
    return {
      recordsPerSecond: Math.round((job.records / result.ms) * 1000),
      ms: result.ms,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      mismatches: result.mismatches,
    };
  } finally {
    await session.close();
  }
}
