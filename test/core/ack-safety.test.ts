// The runtime's ack check: a stage whose input carries acks must emit one ack per element,
// or the run fails with an AckError naming it (src/core/run.ts, src/core/fusion.ts).
import { describe, expect, it } from 'vitest';
import { AckError, collect, defineFlow, defineJunction, defineStep, filter, fromArray, graph, map, merge, type Source } from 'dendrites';
import { mapChunk } from 'dendrites/stage';
import { ackCounts, countingSource } from './fixtures.js';

/** A source of 0..count-1 whose chunks carry acks; `acked()[i]` counts the acks of element i. */
function ackedSource(count: number): { source: Source<number>; acked: () => number[] } {
  const counting = countingSource({ count, acks: true });
  return { source: counting.source, acked: () => ackCounts(counting.acked, count) };
}

/** A custom flow that forgets the acks: it returns `{ items }` only. */
const forgetful = defineFlow<number, number>('forgetful', (upstream) => ({
  async pull(max) {
    const chunk = await upstream.pull(max);
    return chunk === undefined ? undefined : { items: chunk.items.map((n) => n * 2) };
  },
  cancel: (reason) => upstream.cancel(reason),
}));

/** A custom flow that passes on one ack too few. */
const shortChanged = defineFlow<number, number>('shortChanged', (upstream) => ({
  async pull(max) {
    const chunk = await upstream.pull(max);
    return chunk === undefined ? undefined : { items: chunk.items, acks: chunk.acks?.slice(1) };
  },
  cancel: (reason) => upstream.cancel(reason),
}));

/** A custom flow that keeps acks the right way, with `mapChunk`. */
const doubled = defineFlow<number, number>('doubled', (upstream) => ({
  async pull(max) {
    const chunk = await upstream.pull(max);
    return chunk === undefined ? undefined : mapChunk(chunk, (n) => n * 2);
  },
  cancel: (reason) => upstream.cancel(reason),
}));

describe('the ack check', () => {
  it('fails the run when a custom flow returns { items } without the acks its input carried, naming the stage', async () => {
    const { source } = ackedSource(3);
    const error = await source.via(forgetful).runWith(collect(), { inputBuffer: 8 }).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AckError);
    expect(error).toMatchObject({
      stage: 'forgetful',
      retriable: false,
      message: "stage 'forgetful' emitted a chunk of 3 elements with no acks, but its input carried acks: a stage must pass each element's ack on (see docs/engine.md)",
    });
  });

  it('names the stage as it is named in the graph', async () => {
    const { source } = ackedSource(5);
    const error = await source.via(forgetful.named('enrich')).runWith(collect()).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AckError);
    expect((error as AckError).stage).toBe('enrich');
    expect((error as AckError).message).toMatch(/^stage 'enrich' emitted a chunk of 5 elements with no acks/);
  });

  it('fails the run when a flow emits an acks array of the wrong length', async () => {
    const { source } = ackedSource(4);
    const error = await source.via(shortChanged).runWith(collect()).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AckError);
    expect(error).toMatchObject({ stage: 'shortChanged', message: expect.stringContaining("stage 'shortChanged' emitted a chunk of 4 elements with 3 acks") });
  });

  it('fails the run when a step loses an ack, naming the steps of its fused chain', async () => {
    const careless = defineStep<number, number>('careless', (_ctx, out) => (item) => out.emit(item, undefined));
    const { source } = ackedSource(3);
    const alone = await source.via(careless).runWith(collect()).done.catch((e: unknown) => e);
    expect(alone).toBeInstanceOf(AckError);
    expect(alone).toMatchObject({ stage: 'careless', message: expect.stringContaining("step stage 'careless' emitted 3 elements without an ack") });

    const fused = await ackedSource(3)
      .source.via(careless)
      .via(map((n: number) => n + 1).named('inc'))
      .runWith(collect())
      .done.catch((e: unknown) => e);
    expect(fused).toBeInstanceOf(AckError);
    expect(fused).toMatchObject({ stage: 'inc', message: expect.stringContaining("one of the fused step stages 'careless', 'inc' emitted 3 elements without an ack") });
  });

  it("fails the run when a junction's outlet drops the acks", async () => {
    const leaky = defineJunction<[number], [number]>('leaky', 1, 1, ([upstream]) => [
      {
        async pull(max) {
          const chunk = await upstream.pull(max);
          return chunk === undefined ? undefined : { items: chunk.items };
        },
        cancel: (reason) => upstream.cancel(reason),
      },
    ]);
    const { source } = ackedSource(2);
    const g = graph((b) => {
      const j = b.add(leaky, 'leaky');
      const out = b.add(collect<number>(), 'out');
      b.connect(source, j, out);
      return out;
    });
    const error = await g.run().done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AckError);
    expect(error).toMatchObject({ stage: 'leaky', message: expect.stringContaining("stage 'leaky' emitted a chunk of 2 elements with no acks") });
  });

  it('lets map, filter and a custom flow using mapChunk through, each ack called once', async () => {
    const { source, acked } = ackedSource(100);
    const out = await source
      .via(map((n: number) => n + 1))
      .via(filter((n: number) => n % 2 === 0))
      .via(doubled)
      .runWith(collect(), { inputBuffer: 16 }).done;
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => (2 * i + 2) * 2));
    expect(acked()).toEqual(new Array<number>(100).fill(1));
  });

  it('lets an untracked source through a flow that emits no acks', async () => {
    const out = await fromArray([1, 2, 3]).via(forgetful).runWith(collect()).done;
    expect(out).toEqual([2, 4, 6]);
  });

  it('lets a stage emit without acks once one of its inputs carried untracked elements', async () => {
    const { source, acked } = ackedSource(4);
    const g = graph((b) => {
      const join = b.add(merge<number>(2), 'join');
      b.connect(source, join);
      b.connect(fromArray([10, 20]), join);
      // doubled takes in tracked and untracked chunks, and rightly emits the untracked ones without acks
      const out = b.add(collect<number>(), 'out');
      b.connect(join, doubled, out);
      return out;
    });
    const joined = await g.run({ inputBuffer: 2 }).done;
    expect([...joined].sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 20, 40]);
    expect(acked()).toEqual([1, 1, 1, 1]);
  });
});
