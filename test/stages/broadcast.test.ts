import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcast, collect, ConfigError, forEach, fromArray, graph, mapAsync, type SinkHandle } from '../../src/index.js';
import { probeSink } from '../../src/testkit/index.js';
import { countingSource, sleep } from '../core/fixtures.js';

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

  it("a cancelled output's share counts as acked; the others go on", async () => {
    const counting = countingSource({ count: 6, acks: true });
    const quitter = probeSink<number>();
    const handle = graph((b) => {
      const fan = b.add(broadcast<number>(2));
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

  it('rejects a bad number of outputs', () => {
    expect(() => broadcast(0)).toThrow(ConfigError);
  });
});
