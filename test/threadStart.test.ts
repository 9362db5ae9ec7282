import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { ToWorker, WorkerInit } from '../dist/simulation/messages.js';
import { threadStart } from '../dist/simulation/threadStart.js';

const init = { thread: 7 } as unknown as WorkerInit;
const stop: ToWorker = { type: 'stop' };
const references = (n: number): ToWorker => ({ type: 'references', snapshots: { [`m${n}`]: [] } }) as never;

describe('a thread started before its work is known', () => {
  it('takes its init from the first message and loses none of the messages sent right after it', async () => {
    const { port1, port2 } = new MessageChannel();
    const starting = threadStart(port1, null);
    // Sent at once: they may all arrive before the thread listens for work.
    port2.postMessage({ type: 'init', init });
    for (let n = 0; n < 5; n++) port2.postMessage(references(n));
    const start = await starting;
    expect(start.init).toEqual(init);
    await new Promise((r) => setTimeout(r, 20));
    const got: ToWorker[] = [];
    start.listen((msg) => got.push(msg));
    port2.postMessage(stop);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([0, 1, 2, 3, 4].map(references).concat([stop]));
    port1.close();
  });

  it('started with its init, takes every message as work', async () => {
    const { port1, port2 } = new MessageChannel();
    const start = await threadStart(port1, init);
    expect(start.init).toBe(init);
    const got: ToWorker[] = [];
    port2.postMessage(references(1));
    start.listen((msg) => got.push(msg));
    port2.postMessage(stop);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([references(1), stop]);
    port1.close();
  });
});
