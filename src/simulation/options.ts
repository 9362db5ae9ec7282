import type { DatasetInput } from './datasets/dataset.js';

export interface SimulateProgress {
  done: number;
  total: number;
  failed: number;
  elapsedMs: number;
  databases: Record<string, { attempted: number; succeeded: number; total: number }>;
}

export interface SimulateOptions {
  threads?: number;
  /** Records in memory, or a generator spec (counts per table, or the shop's users/products/orders). */
  dataset?: DatasetInput;
  /** What to do with model tables that already hold rows: refuse (default), keep them, or empty them. */
  existing?: 'refuse' | 'append' | 'reset';
  /** Needed to reset a database that is not embedded. */
  confirmReset?: boolean;
  /** Largest number of records written in one transaction. */
  batchSize?: number;
  /** How many failed records the report lists individually (all are stored and counted). */
  failureCap?: number;
  maxRetries?: number;
  /** Finish an interrupted run: its committed batches are kept, the rest are run. */
  resume?: number;
  /**
   * Each record of the model drawing on a stock (an order's `quantity` of a product's `stock`)
   * inserted with the decrement in one transaction across their databases (see atomic/).
   */
  atomic?: boolean;
  onProgress?: (p: SimulateProgress) => void;
}
