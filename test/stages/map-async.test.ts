import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collect, ConfigError, forEach, fromArray, mapAsync, StageFailedError } from 'dendrites';
import { probeSink, probeSource } from '../../src/testkit/index.js';
import { countingSource, sleep } from '../core/fixtures.js';

describe('mapAsync', () => {
  it('keeps input order at any parallelism, whatever order the calls finish in (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 4 }), { maxLength: 40 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), async (delays, parallelism, inputBuffer) => {
        const input = delays.map((delay, i) => ({ i, delay }));
        const out = await fromArray(input)
          .via(mapAsync(async ({ i, delay }: { i: number; delay: number }) => (await sleep(delay), i), { parallelism }))
          .runWith(collect(), { inputBuffer }).done;
        expect(out).toEqual(input.map(({ i }) => i));
      }),
      { numRuns: 40 },
    );
  });

  it('unordered, emits in completion order', async () => {
    const delays = [40, 0, 20];
    const out = await fromArray([0, 1, 2])
      .via(mapAsync(async (i: number) => (await sleep(delays[i]), i), { parallelism: 3, ordered: false }))
      .runWith(collect()).done;
    expect(out).toEqual([1, 2, 0]);
  });

  it('never has more than parallelism calls in flight, and reaches it', async () => {
    let inFlight = 0;
    let most = 0;
    const f = async (n: number): Promise<number> => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(n % 3);
      inFlight--;
      return n;
    };
    for (const ordered of [true, false]) {
      most = 0;
      const out = await countingSource({ count: 60 }).source.via(mapAsync(f, { parallelism: 4, ordered })).runWith(collect()).done;
      expect(out).toHaveLength(60);
      expect(most).toBe(4);
    }
  });

  it('pulls upstream ahead while slots are free, asking only for the free slots', async () => {
    const source = probeSource<number>();
    const sink = probeSink<number>();
    const gates: (() => void)[] = [];
    const handle = source.source.via(mapAsync((n: number) => new Promise<number>((resolve) => gates.push(() => resolve(n))), { parallelism: 3 })).runWith(sink.sink);
    sink.request(1);
    expect(await source.expectRequest()).toBe(3);
    source.sendNext(1);
    expect(await source.expectRequest()).toBe(2); // pulls ahead before anything is emitted
    source.sendNext(2, 3);
    await source.expectNoRequest(20); // three held: no more pulls
    gates[0]();
    await sink.expectNext(1);
    expect(await source.expectRequest()).toBe(1);
    gates[1]();
    gates[2]();
    source.sendComplete();
    sink.request(5);
    await sink.expectNext(2, 3);
    await sink.expectComplete();
    await handle.done;
  });

  it('passes acknowledgements on with the results, acking each once processed', async () => {
    const counting = countingSource({ count: 20, acks: true });
    const seen: number[] = [];
    await counting.source
      .via(mapAsync(async (n: number) => (await sleep(n % 2), n * 10), { parallelism: 5, ordered: false }))
      .runWith(
        forEach((n: number) => {
          expect(counting.acked.has(n / 10)).toBe(false); // not acked before the sink processed it
          seen.push(n);
        }),
      ).done;
    expect(seen).toHaveLength(20);
    expect([...counting.acked.entries()].sort(([a], [b]) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => [i, 1]));
  });

  it('fails the run, named by the stage, when a call rejects; the element is not acked', async () => {
    const counting = countingSource({ count: 10, acks: true });
    const handle = counting.source
      .via(mapAsync(async (n: number) => (n === 3 ? Promise.reject(new Error('bad 3')) : n), { parallelism: 2 }).named('enrich'))
      .runWith(collect());
    const error = await handle.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageFailedError);
    expect(error).toMatchObject({ stage: 'enrich', message: expect.stringContaining('bad 3') });
    expect(counting.acked.has(3)).toBe(false);
  });

  it('fails when f throws synchronously', async () => {
    const handle = fromArray([1]).via(mapAsync((): number => { throw new Error('sync'); })).runWith(collect());
    await expect(handle.done).rejects.toMatchObject({ stage: 'mapAsync', message: expect.stringContaining('sync') });
  });

  it('passes the run signal to f, aborted when the run is aborted', async () => {
    let signal: AbortSignal | undefined;
    const handle = fromArray([1]).via(mapAsync((n: number, call) => ((signal = call.signal), new Promise<number>(() => {})))).runWith(collect());
    await sleep(5);
    expect(signal?.aborted).toBe(false);
    handle.abort('bye');
    await expect(handle.done).rejects.toMatchObject({ name: 'AbortedError' });
    expect(signal?.aborted).toBe(true);
  });

  it('rejects bad options when built', () => {
    expect(() => mapAsync((n: number) => n, { parallelism: 0 })).toThrow(ConfigError);
    expect(() => mapAsync((n: number) => n, { parallelism: -2 })).toThrow(/parallelism must be a whole number of at least 1, got -2/);
    expect(() => mapAsync((n: number) => n, { parallelism: 1.5 })).toThrow(ConfigError);
  });
});
