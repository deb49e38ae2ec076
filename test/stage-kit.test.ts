// The stage author's kit through its public entry point: the example stages keep acks with
// their elements, backpressure and commit-safe cancellation, checked with acks that count.
import { describe, expect, it } from 'vitest';
import { defineSink, forEach, graph, type Source } from 'dendrites';
import { ackAll } from 'dendrites/stage';
import { ackCounts, countingSource } from './core/fixtures.js';
import { batches } from '../examples/custom-flow.js';
import { partition } from '../examples/custom-junction.js';

/** A source of 0..count-1 whose elements carry acks; `calls()[i]` counts the acks of element i. */
function tracked(count: number): { source: Source<number>; calls: () => number[] } {
  const counting = countingSource({ count, acks: true });
  return { source: counting.source, calls: () => ackCounts(counting.acked, count) };
}

describe('stage kit examples', () => {
  it('batches: a batch ack acknowledges each member once, and only after the sink took the batch', async () => {
    const { source, calls } = tracked(10);
    const seen: number[][] = [];
    await source
      .via(batches(4))
      .runWith(
        forEach(async (batch) => {
          expect(batch.every((x) => calls()[x] === 0)).toBe(true); // not acked before processing
          seen.push(batch);
        }),
      ).done;
    expect(seen).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(calls()).toEqual(new Array(10).fill(1));
  });

  it('partition: every element reaches exactly one output and is acked once', async () => {
    const { source, calls } = tracked(100);
    const seen: number[][] = [[], [], []];
    const h = graph((b) => {
      const p = b.add(partition(3, (x: number) => x % 3), 'p');
      b.connect(source, p);
      [0, 1, 2].forEach((k) => b.connect(p.out(k), b.add(forEach(async (x: number) => void seen[k].push(x)), `out${k}`)));
    });
    await h.run().done;
    expect(seen.map((xs) => xs.every((x, i) => x % 3 === seen.indexOf(xs) && (i === 0 || x > xs[i - 1])))).toEqual([true, true, true]);
    expect(seen.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(calls()).toEqual(new Array(100).fill(1));
  });

  it('partition: when one output cancels, what it had not taken is never acknowledged', async () => {
    const { source, calls } = tracked(2000);
    const tookOdd: number[] = [];
    const takeOneChunk = defineSink<number, void>('takeOneChunk', async (upstream) => {
      const chunk = await upstream.pull(10);
      if (chunk !== undefined) {
        tookOdd.push(...chunk.items);
        ackAll(chunk);
      }
      await upstream.cancel('enough');
    });
    const h = graph((b) => {
      const p = b.add(partition(2, (x: number) => x % 2), 'p');
      b.connect(source, p);
      b.connect(p.out(0), b.add(forEach(async () => undefined), 'evens'));
      b.connect(p.out(1), b.add(takeOneChunk, 'odds'));
    });
    await h.run().done;
    expect(tookOdd).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    expect(calls().every((c) => c <= 1)).toBe(true); // nothing acknowledged twice
    const ackedOdd = calls().flatMap((c, i) => (i % 2 === 1 && c === 1 ? [i] : []));
    expect(ackedOdd).toEqual(tookOdd); // no odd element acked that the cancelled output did not take
  });
});
