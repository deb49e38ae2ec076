import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcast, collect, ConfigError, DendritesError, forEach, fromArray, graph, mapAsync, type RunHandle, type SinkHandle } from 'dendrites';
import type { BroadcastCancelPolicy } from '../../src/stages/broadcast.js';
import { probeSink } from '../../src/testkit/index.js';
import { countingSource, sleep } from '../core/fixtures.js';

/**
 * counting source (with acks) → broadcast(n) → output 0: a probe that takes `quitAfter`
 * elements and cancels; outputs 1..n-1: collect (acks each element as it arrives).
 */
async function quitterGraph(opts: { count: number; n: number; quitAfter: number; inputBuffer: number; onCancel?: BroadcastCancelPolicy }) {
  const counting = countingSource({ count: opts.count, acks: true });
  const quitter = probeSink<number>();
  const handle: RunHandle<Record<string, number[]>> = graph((b) => {
    const fan = b.add(opts.onCancel === undefined ? broadcast<number>(opts.n) : broadcast<number>(opts.n, { onCancel: opts.onCancel }));
    b.connect(counting.source, fan);
    b.connect(fan, b.add(quitter.sink));
    const rest: Record<string, SinkHandle<number[]>> = {};
    for (let k = 1; k < opts.n; k++) {
      const sink = b.add(collect<number>());
      b.connect(fan, sink);
      rest[`out${k}`] = sink;
    }
    return rest;
  }).run({ inputBuffer: opts.inputBuffer });
  let took: number[] = [];
  if (opts.quitAfter > 0) {
    quitter.request(opts.quitAfter);
    took = await quitter.expectNextN(opts.quitAfter);
  }
  await quitter.cancel('enough');
  return { counting, handle, took };
}

describe('broadcast', () => {
  it('gives every output the same elements in the same order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 60 }),
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 4 }), // per output: a delay per element
        fc.integer({ min: 1, max: 9 }),
        async (items, delays, inputBuffer) => {
          const results = await graph((b) => {
            const fan = b.add(broadcast<number>(delays.length), 'fan');
            b.connect(fromArray(items), fan);
            const sinks: Record<string, SinkHandle<number[]>> = {};
            delays.forEach((delay, k) => {
              const sink = b.add(collect<number>(), `out${k}`);
              b.connect(fan.out(k), mapAsync(async (n: number) => (await sleep(delay), n), { parallelism: 1 + k }), sink);
              sinks[`out${k}`] = sink;
            });
            return sinks;
          }).run({ inputBuffer }).done;
          for (const out of Object.values(results)) expect(out).toEqual(items);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('fires an upstream ack exactly once, only after every output acked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 8 }), async (count, n, inputBuffer) => {
        const processed = Array.from({ length: n }, () => new Set<number>());
        const early: number[] = [];
        const counting = countingSource({
          count,
          acks: true,
          onAck: (item) => {
            if (!processed.every((set) => set.has(item))) early.push(item);
          },
        });
        await graph((b) => {
          const fan = b.add(broadcast<number>(n));
          b.connect(counting.source, fan);
          for (let k = 0; k < n; k++) {
            // forEach acks an element once its call resolves; each output is slow in its own way.
            b.connect(fan, forEach(async (item: number) => {
              await sleep((item + k) % 3);
              processed[k].add(item);
            }, { parallelism: k + 1 }));
          }
        }).run({ inputBuffer }).done;
        expect(early).toEqual([]);
        expect([...counting.acked.values()]).toEqual(new Array<number>(count).fill(1));
      }),
      { numRuns: 25 },
    );
  });

  it("by default ('cancel-all'), a cancelled output completes the others and cancels upstream: nothing it did not take is ever acked (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 2, max: 4 }),
        fc.nat({ max: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        async (count, n, quit, inputBuffer, explicit) => {
          const quitAfter = Math.min(quit, count - 1); // it cancels before the last element: something is left
          const { counting, handle, took } = await quitterGraph({ count, n, quitAfter, inputBuffer, onCancel: explicit ? 'cancel-all' : undefined });
          const results = await handle.done;
          expect(took).toEqual(Array.from({ length: quitAfter }, (_, i) => i));
          // acked upstream only if every output acked it: the quitter never took (so never acked) the rest
          for (const item of counting.acked.keys()) expect(item).toBeLessThan(quitAfter);
          for (const count of counting.acked.values()) expect(count).toBe(1);
          expect(counting.acked.has(quitAfter)).toBe(false);
          expect(counting.cancels).toEqual(['enough']); // upstream cancelled at once...
          expect(counting.produced()).toBeLessThan(count + 1);
          for (const got of Object.values(results)) {
            // ...and the other outputs completed with a prefix of the elements, no more
            expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
            expect(got.length).toBeLessThanOrEqual(counting.produced());
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("'cancel-all': the other outputs stop at once, without the rest of the current chunk", async () => {
    const { counting, handle } = await quitterGraph({ count: 100, n: 2, quitAfter: 1, inputBuffer: 10, onCancel: 'cancel-all' });
    const { out1 } = await handle.done;
    expect(out1.length).toBeLessThanOrEqual(10); // at most the first chunk
    expect(counting.produced()).toBe(10);
    expect([...counting.acked.keys()]).toEqual([0]);
  });

  it("'fail': a cancelled output fails the run and cancels upstream; nothing it did not take is acked", async () => {
    const { counting, handle } = await quitterGraph({ count: 20, n: 3, quitAfter: 2, inputBuffer: 4, onCancel: 'fail' });
    const error = await handle.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DendritesError);
    expect((error as DendritesError).message).toMatch(/output 0 cancelled \(enough\) and onCancel is 'fail'/);
    expect(counting.cancels).toEqual(['enough']);
    for (const item of counting.acked.keys()) expect(item).toBeLessThan(2);
    expect(counting.acked.has(2)).toBe(false);
  });

  it("'fail': a cancel after upstream completed is no failure", async () => {
    const quitter = probeSink<number>();
    const handle = graph((b) => {
      const fan = b.add(broadcast<number>(2, { onCancel: 'fail' }));
      b.connect(fromArray([1, 2]), fan);
      b.connect(fan, b.add(quitter.sink));
      const rest = b.add(collect<number>());
      b.connect(fan, rest);
      return rest;
    }).run();
    quitter.request(3);
    await quitter.expectNext(1, 2);
    await quitter.expectComplete();
    await quitter.cancel();
    expect(await handle.done).toEqual([1, 2]);
  });

  it("'continue': a cancelled output's share counts as acked; the others go on", async () => {
    const counting = countingSource({ count: 6, acks: true });
    const quitter = probeSink<number>();
    const handle = graph((b) => {
      const fan = b.add(broadcast<number>(2, { onCancel: 'continue' }));
      b.connect(counting.source, fan);
      b.connect(fan, b.add(quitter.sink));
      const rest = b.add(collect<number>());
      b.connect(fan, rest);
      return rest;
    }).run({ inputBuffer: 2 });
    quitter.request(1);
    await quitter.expectNext(0);
    await quitter.cancel();
    expect(await handle.done).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...counting.acked.values()]).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('rejects a bad number of outputs and an unknown cancel policy', () => {
    expect(() => broadcast(0)).toThrow(ConfigError);
    expect(() => broadcast(2, { onCancel: 'ignore' as BroadcastCancelPolicy })).toThrow(/onCancel must be one of 'cancel-all', 'fail', 'continue', got ignore/);
    expect(broadcast(2, {})).toBeDefined();
  });
});
