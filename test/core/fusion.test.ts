import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcast, collect, defineSink, defineStep, filter, type Flow, fromArray, graph, map, mapAsync, type MetricsSnapshot, StageFailedError } from 'dendrites';
import { probeSink, probeSource } from '../../src/testkit/index.js';
import { countingSource } from './fixtures.js';

/** One step of a random chain: add a number, or keep the multiples of a number. */
type Op = { readonly add: number } | { readonly keepMultiplesOf: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ add: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ keepMultiplesOf: fc.integer({ min: 1, max: 4 }) }),
);

function stageOf(op: Op): Flow<number, number> {
  return 'add' in op ? map((n: number) => n + op.add) : filter((n: number) => n % op.keepMultiplesOf === 0);
}

/** The chain applied to an array by hand, with what each stage saw go in and out. */
function byHand(input: readonly number[], ops: readonly Op[]): { out: number[]; counts: [number, number][] } {
  let xs = [...input];
  const counts: [number, number][] = [];
  for (const op of ops) {
    const before = xs.length;
    xs = 'add' in op ? xs.map((n) => n + op.add) : xs.filter((n) => n % op.keepMultiplesOf === 0);
    counts.push([before, xs.length]);
  }
  return { out: xs, counts };
}

function lastSnapshot(handle: { metrics$: { subscribe(f: (s: MetricsSnapshot) => void): unknown } }): () => MetricsSnapshot | undefined {
  let last: MetricsSnapshot | undefined;
  handle.metrics$.subscribe((s) => (last = s));
  return () => last;
}

describe('fused step stages (map, filter)', () => {
  it('a chain gives what the stages give one by one, and counts in and out per stage (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 60 }),
        fc.array(opArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 9 }),
        async (input, ops, inputBuffer) => {
          let source = fromArray(input).named('numbers');
          ops.forEach((op, k) => (source = source.via(stageOf(op).named(`s${k}`))));
          const handle = source.to(collect<number>()).run({ inputBuffer });
          const snapshot = lastSnapshot(handle);
          const out = await handle.done;
          const expected = byHand(input, ops);
          expect(out).toEqual(expected.out);
          const stages = snapshot()?.stages ?? [];
          ops.forEach((_, k) => {
            const s = stages.find((x) => x.stage === `s${k}`);
            const [entered, left] = expected.counts[k];
            expect([s?.in, s?.out, s?.dropped, s?.inFlight]).toEqual([entered, left, entered - left, 0]);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('acknowledges each element once: dropped ones at the filter, passed ones at the sink', async () => {
    const counting = countingSource({ count: 1000, acks: true });
    const out = await counting.source
      .via(map((n: number) => n * 3))
      .via(filter((n: number) => n % 2 === 0))
      .via(map((n: number) => n + 1))
      .to(collect<number>())
      .run({ inputBuffer: 64 })
      .done;
    expect(out).toEqual(Array.from({ length: 500 }, (_, i) => i * 6 + 1));
    expect(counting.acked.size).toBe(1000);
    expect([...counting.acked.values()].every((n) => n === 1)).toBe(true);
  });

  it('acknowledges a dropped element at the filter, and leaves a passed one to the sink', async () => {
    const counting = countingSource({ count: 10, acks: true });
    // A sink that keeps what it gets and never acknowledges it.
    const kept = defineSink<number, number[]>('keeper', async (upstream) => {
      const items: number[] = [];
      for (let chunk = await upstream.pull(3); chunk !== undefined; chunk = await upstream.pull(3)) items.push(...chunk.items);
      return items;
    });
    const out = await counting.source.via(map((n: number) => n * 2)).via(filter((n: number) => n >= 16)).to(kept).run().done;
    expect(out).toEqual([16, 18]);
    expect([...counting.acked.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('names the stage of the chain that threw, and fails the run', async () => {
    const g = fromArray([1, 2, 3, 4])
      .via(map((n: number) => n * 10).named('times10'))
      .via(
        filter((n: number) => {
          if (n === 30) throw new Error('thirty');
          return true;
        }).named('picky'),
      )
      .via(map((n: number) => n + 1).named('plus1'))
      .to(collect<number>());
    const error = await g.run().done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StageFailedError);
    expect((error as StageFailedError).stage).toBe('picky');
    expect((error as Error).message).toContain('thirty');
  });

  it('keeps per-run state per run and per use: one definition twice in a graph, and run twice', async () => {
    const numbered = defineStep<string, string>('numbered', (_ctx, out) => {
      let i = 0;
      return (item, ack) => out.emit(`${i++}:${item}`, ack);
    });
    const g = graph((b) => {
      const fan = b.add(broadcast<string>(2), 'fan');
      b.connect(fromArray(['a', 'b', 'c']), numbered, fan);
      const left = b.add(numbered.via(numbered).to(collect<string>()), 'left');
      const right = b.add(collect<string>(), 'right');
      b.connect(fan, left);
      b.connect(fan, right);
      return { left, right };
    });
    const first = await g.run().done;
    const second = await g.run().done;
    expect(first).toEqual({ left: ['0:0:0:a', '1:1:1:b', '2:2:2:c'], right: ['0:a', '1:b', '2:c'] });
    expect(second).toEqual(first);
  });

  it('chains stop at stages that are not steps, and resume after them', async () => {
    const handle = fromArray(Array.from({ length: 100 }, (_, i) => i))
      .via(filter((n: number) => n % 2 === 0).named('even'))
      .via(mapAsync(async (n: number) => n / 2).named('half'))
      .via(filter((n: number) => n % 5 !== 0).named('no5'))
      .via(map((n: number) => -n).named('negate'))
      .to(collect<number>())
      .run({ inputBuffer: 7 });
    const snapshot = lastSnapshot(handle);
    const out = await handle.done;
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i).filter((n) => n % 5 !== 0).map((n) => -n));
    const counts = Object.fromEntries((snapshot()?.stages ?? []).map((s) => [s.stage, [s.in, s.out]]));
    expect(counts).toMatchObject({ even: [100, 50], half: [50, 50], no5: [50, 40], negate: [40, 40] });
  });

  it('pulls no more than the downstream asks for (backpressure through the chain)', async () => {
    const source = probeSource<number>();
    const sink = probeSink<number>();
    const handle = source.source.via(map((n: number) => n + 1)).via(filter(() => true)).to(sink.sink).run();
    sink.request(3);
    expect(await source.expectRequest()).toBe(3);
    source.sendNext(1, 2, 3);
    await sink.expectNext(2, 3, 4);
    await source.expectNoRequest(30);
    source.sendComplete();
    sink.request(1);
    await sink.expectComplete();
    await handle.done;
  });
});
