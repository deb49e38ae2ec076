import { describe, expect, it } from 'vitest';
import { collect, ConfigError, fromArray, throttle } from 'dendrites';
import { probeSink, probeSource } from '../../src/testkit/index.js';

describe('throttle', () => {
  it('lets a burst through at once, then keeps to the rate', async () => {
    const times: number[] = [];
    const started = performance.now();
    const out = await fromArray(Array.from({ length: 8 }, (_, i) => i))
      .via(throttle<number>({ elements: 4, perMs: 100, burst: 4 }))
      .runWith(collect(), { inputBuffer: 1 }).done;
    times.push(performance.now() - started);
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // 4 at once, then 4 more at one per 25 ms.
    expect(times[0]).toBeGreaterThanOrEqual(90);
    expect(times[0]).toBeLessThan(400);
  });

  it('asks upstream only for as many elements as it has tokens', async () => {
    const source = probeSource<number>();
    const out = probeSink<number>();
    const handle = source.source.via(throttle<number>({ elements: 2, perMs: 1000, burst: 2 })).runWith(out.sink);
    out.request(10);
    expect(await source.expectRequest()).toBe(2);
    source.sendNext(1, 2);
    await out.expectNext(1, 2);
    await source.expectNoRequest(100); // bucket empty: backpressures for ~500 ms
    expect(await source.expectRequest()).toBe(1);
    source.sendComplete();
    await out.expectComplete();
    await handle.done;
  });

  it('rejects bad options when built', () => {
    expect(() => throttle({ elements: 0, perMs: 100 })).toThrow(ConfigError);
    expect(() => throttle({ elements: 1, perMs: 0 })).toThrow(/perMs must be a number greater than 0/);
    expect(() => throttle({ elements: 1, perMs: -5 })).toThrow(ConfigError);
    expect(() => throttle({ elements: 1, perMs: 100, burst: 0 })).toThrow(/burst must be/);
  });
});
