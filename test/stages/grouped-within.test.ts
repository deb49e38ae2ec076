import { describe, expect, it } from 'vitest';
import { collect, ConfigError, fromArray, groupedWithin } from 'dendrites';
import { probeSink, probeSource } from '../../src/testkit/index.js';
import { countingSource } from '../core/fixtures.js';

describe('groupedWithin', () => {
  it('emits full groups of size, then the rest when upstream completes', async () => {
    const out = await fromArray([1, 2, 3, 4, 5, 6, 7]).via(groupedWithin<number>({ size: 3, windowMs: 1000 })).runWith(collect(), { inputBuffer: 2 }).done;
    expect(out).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('emits what it has after ms', async () => {
    const source = probeSource<number>();
    const out = probeSink<number[]>();
    const handle = source.source.via(groupedWithin<number>({ size: 10, windowMs: 40 })).runWith(out.sink);
    out.request(1);
    expect(await source.expectRequest()).toBe(10);
    source.sendNext(1, 2);
    const started = performance.now();
    expect(await source.expectRequest()).toBe(8);
    await out.expectNext([1, 2]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    // The pull outstanding when time was up feeds the next group.
    source.sendNext(3);
    out.request(1);
    await out.expectNoNext(20);
    source.sendComplete();
    await out.expectNext([3]);
    out.request(1);
    await out.expectComplete();
    await handle.done;
  });

  it('acknowledging a group acknowledges every member', async () => {
    const counting = countingSource({ count: 5, acks: true });
    const out = probeSink<number[]>();
    const handle = counting.source.via(groupedWithin<number>({ size: 2, windowMs: 1000 })).runWith(out.sink);
    out.request(1);
    await out.expectNext([0, 1]);
    expect([...counting.acked.keys()]).toEqual([0, 1]);
    out.request(5);
    await out.expectNext([2, 3], [4]);
    await out.expectComplete();
    await handle.done;
    expect([...counting.acked.values()]).toEqual([1, 1, 1, 1, 1]);
  });

  it('rejects bad options when built', () => {
    expect(() => groupedWithin({ size: 0, windowMs: 10 })).toThrow(ConfigError);
    expect(() => groupedWithin({ size: 5, windowMs: -1 })).toThrow(/windowMs must be a number of at least 0, got -1/);
  });
});
