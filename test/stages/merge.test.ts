import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collect, ConfigError, fromArray, graph, mapAsync, merge } from 'dendrites';
import { probeSink, probeSource } from '../../src/testkit/index.js';
import { countingSource, sleep } from '../core/fixtures.js';

describe('merge', () => {
  it('loses and duplicates nothing, and keeps each input in order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat({ max: 3 }), { maxLength: 25 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 8 }),
        async (inputs, inputBuffer) => {
          // Element j of input k is `${k}:${j}`; its value is a delay that shuffles the interleaving.
          const g = graph((b) => {
            const join = b.add(merge<string>(inputs.length), 'join');
            inputs.forEach((delays, k) => {
              const slow = mapAsync(async (j: number) => (await sleep(delays[j]), `${k}:${j}`));
              b.connect(fromArray(delays.map((_, j) => j)), slow, join.in(k));
            });
            const sink = b.add(collect<string>());
            b.connect(join, sink);
            return sink;
          });
          const out = await g.run({ inputBuffer }).done;
          const expected = inputs.flatMap((delays, k) => delays.map((_, j) => `${k}:${j}`));
          expect([...out].sort()).toEqual([...expected].sort());
          inputs.forEach((_, k) => expect(out.filter((s) => s.startsWith(`${k}:`))).toEqual(expected.filter((s) => s.startsWith(`${k}:`))));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('keeps at most one pull outstanding per input, and completes when all inputs complete', async () => {
    const a = probeSource<string>();
    const b = probeSource<string>();
    const out = probeSink<string>();
    const g = graph((bb) => {
      const join = bb.add(merge<string>(2), 'join');
      bb.connect(a.source, join.in(0));
      bb.connect(b.source, join.in(1));
      const sink = bb.add(out.sink);
      bb.connect(join, sink);
      return sink;
    });
    const handle = g.run();
    out.request(4);
    expect(await a.expectRequest()).toBe(4);
    expect(await b.expectRequest()).toBe(4);
    await a.expectNoRequest(20);
    await b.expectNoRequest(0);
    a.sendNext('a1');
    await out.expectNext('a1');
    expect(await a.expectRequest()).toBe(4); // pulled ahead with the demand of the pull a1 answered
    await b.expectNoRequest(20); // b's first pull is still outstanding
    b.sendNext('b1', 'b2');
    await out.expectNext('b1', 'b2');
    a.sendComplete();
    await b.expectRequest();
    b.sendNext('b3');
    await out.expectNext('b3');
    out.request(1);
    await b.expectRequest();
    b.sendComplete();
    await out.expectComplete();
    expect(await handle.done).toEqual(['a1', 'b1', 'b2', 'b3']);
  });

  it('with eagerComplete, completes when one input completes and cancels the others', async () => {
    const other = probeSource<number>();
    const g = graph((b) => {
      const join = b.add(merge<number>(2, { eagerComplete: true }));
      b.connect(fromArray([1, 2, 3]), join.in(0));
      b.connect(other.source, join.in(1));
      const sink = b.add(collect<number>());
      b.connect(join, sink);
      return sink;
    });
    const handle = g.run();
    await other.expectRequest();
    expect(await handle.done).toEqual([1, 2, 3]);
    expect(await other.cancelled).toBe('merge completed eagerly');
  });

  it('passes acks on with their elements', async () => {
    const a = countingSource({ count: 5, acks: true });
    const b = countingSource({ count: 7, acks: true });
    const out = await graph((bb) => {
      const join = bb.add(merge<number>(2));
      bb.connect(a.source, join);
      bb.connect(b.source, join);
      const sink = bb.add(collect<number>());
      bb.connect(join, sink);
      return sink;
    }).run().done;
    expect(out).toHaveLength(12);
    expect([...a.acked.values()]).toEqual([1, 1, 1, 1, 1]);
    expect([...b.acked.values()]).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('cancels every input when downstream cancels', async () => {
    const a = probeSource<number>();
    const b = probeSource<number>();
    const out = probeSink<number>();
    const handle = graph((bb) => {
      const join = bb.add(merge<number>(2));
      bb.connect(a.source, join);
      bb.connect(b.source, join);
      bb.connect(join, bb.add(out.sink));
    }).run();
    out.request(1);
    await a.expectRequest();
    await out.cancel('done here');
    expect(await a.cancelled).toBe('done here');
    expect(await b.cancelled).toBe('done here');
    await handle.done;
  });

  it('fails when an input fails', async () => {
    const a = probeSource<number>();
    const handle = graph((bb) => {
      const join = bb.add(merge<number>(2));
      bb.connect(fromArray([1, 2]), join);
      bb.connect(a.source.named('flaky'), join);
      const sink = bb.add(collect<number>());
      bb.connect(join, sink);
      return sink;
    }).run();
    await a.expectRequest();
    a.sendError(new Error('gone'));
    await expect(handle.done).rejects.toMatchObject({ stage: 'flaky' });
  });

  it('rejects a bad number of inputs', () => {
    expect(() => merge(0)).toThrow(ConfigError);
    expect(() => merge(-1)).toThrow(ConfigError);
  });
});
