/**
 * How far behind a replica is, from the primary's polled positions: zero once it has replayed
 * all that was seen, at most the time since the primary was last seen at or before its position
 * otherwise, and not known while it is behind everything seen since watching began.
 */
import { describe, expect, it } from 'vitest';
import { LagClock } from '../dist/replicas/lagClock.js';

// Positions as plain numbers written as text, so distance is easy to follow.
const clock = () => new LagClock((from: string, to: string) => Number(to) - Number(from));

describe('LagClock', () => {
  it('is not known before the primary was read once', () => {
    expect(clock().lag('100', 1000)).toEqual({ ms: 0, known: false });
  });

  it('is 0 for a replica that has replayed the latest position, however long the primary idles', () => {
    const c = clock();
    c.saw('100', 1000);
    c.saw('100', 5000);
    expect(c.lag('100', 9000)).toEqual({ ms: 0, known: true });
    expect(c.lag('120', 9000)).toEqual({ ms: 0, known: true });
    expect(c.lastRead).toBe(5000);
  });

  it('is the time since the primary was last seen at or before what the replica replayed', () => {
    const c = clock();
    c.saw('100', 1000);
    c.saw('100', 1900);
    c.saw('200', 2000);
    c.saw('300', 3000);
    expect(c.lag('100', 2500)).toEqual({ ms: 600, known: true });
    expect(c.lag('250', 3500)).toEqual({ ms: 1500, known: true });
  });

  it('is not known for a replica behind the first position seen, until what it needs is seen', () => {
    const c = clock();
    c.saw('100', 1000);
    c.saw('200', 2000);
    expect(c.lag('50', 2500)).toEqual({ ms: 1500, known: false });
    // Every replica has replayed 100: it is forgotten, but when the primary was last there is kept.
    c.forget('120');
    expect(c.lag('120', 2500)).toEqual({ ms: 1500, known: true });
    expect(c.lag('50', 2500).known).toBe(false);
  });

  it('keeps the latest position however far every replica has got', () => {
    const c = clock();
    c.saw('100', 1000);
    c.forget('500');
    expect(c.latest).toBe('100');
    expect(c.lag('100', 2000)).toEqual({ ms: 0, known: true });
  });
});
