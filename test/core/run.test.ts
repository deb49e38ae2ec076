import { describe, expect, it } from 'vitest';
import { AbortedError, broadcast, collect, ConfigError, defineFlow, defineSink, forEach, fromArray, fromAsyncIterable, fromIterable, graph, GraphError, ignore, map, mapAsync, merge, type MetricsSnapshot, run, StageFailedError } from 'dendrites';
import { probeSource } from '../../src/testkit/index.js';
import { countingSource, failingSource, sleep, tracked } from './fixtures.js';

/**
 * Two sources (a probe and a counting one) merged, through a tracked flow, fanned out to
 * two sinks, one of them through a second tracked flow. `failAt` says where to fail.
 */
function twoSourceGraph(failAt: 'source' | 'flow' | 'sink' | 'none') {
  const probe = probeSource<number>();
  const counting = countingSource(); // endless
  const counter = { closed: 0 };
  const other = { closed: 0 };
  let sinkClosed = 0;
  const failingSink = defineSink<number, void>('picky', async (upstream, ctx) => {
    ctx.onClose(() => void sinkClosed++);
    for (;;) {
      const chunk = await upstream.pull(4);
      if (chunk === undefined) return;
      if (failAt === 'sink' && chunk.items.includes(7)) throw new Error('picky does not like 7');
    }
  });
  const g = graph((b) => {
    const join = b.add(merge<number>(2), 'join');
    b.connect(probe.source.named('probe'), join);
    b.connect(failAt === 'source' ? failingSource([1, 2], new Error('source broke')).named('numbers') : counting.source.named('numbers'), join);
    const fan = b.add(broadcast<number>(2), 'fan');
    b.connect(join, b.add(tracked<number>(counter, failAt === 'flow' ? (n) => n === 5 : undefined), 'check'), fan);
    b.connect(fan, b.add(tracked<number>(other), 'pass'), b.add(failingSink, 'picky'));
    b.connect(fan, b.add(ignore<number>(), 'drop'));
  });
  return { g, probe, counting, teardowns: () => [counter.closed, other.closed, sinkClosed, counting.closed()] };
}

describe('run: failure', () => {
  for (const [failAt, stage, message] of [
    ['source', 'numbers', 'source broke'],
    ['flow', 'check', 'boom at 5'],
    ['sink', 'picky', 'picky does not like 7'],
  ] as const) {
    it(`a failure in the ${failAt} rejects done named by stage, cancels the sources, runs every teardown once`, async () => {
      const { g, probe, counting, teardowns } = twoSourceGraph(failAt);
      const handle = g.run({ inputBuffer: 4 });
      const error = await handle.done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StageFailedError);
      expect(error).toMatchObject({ stage, message: expect.stringContaining(message) });
      expect((error as Error).cause).toMatchObject({ message });
      expect(await probe.cancelled).toBe(error); // the run's abort reaches every source
      const closed = teardowns();
      if (failAt === 'source') closed.pop(); // the counting source is not in that graph
      expect(closed).toEqual(closed.map(() => 1));
      await sleep(10);
      expect(teardowns().slice(0, 3)).toEqual([1, 1, 1]); // still once
      if (failAt !== 'source') expect(counting.closed()).toBe(1);
    });
  }

  it('names the stage whose pull throws synchronously (not its downstream)', async () => {
    const hasty = defineFlow<number, number>('hasty', (upstream) => ({
      pull: (max) => {
        if (max > 0) throw new Error('thrown before any promise');
        return upstream.pull(max);
      },
      cancel: (reason) => upstream.cancel(reason),
    }));
    const handle = fromArray([1]).via(hasty).via(map((n: number) => n)).runWith(collect());
    await expect(handle.done).rejects.toMatchObject({ stage: 'hasty', message: expect.stringContaining('thrown before any promise') });
  });

  it('closes an iterator source (its finally runs) when a later stage fails', async () => {
    let finalized = 0;
    function* numbers(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized++;
      }
    }
    const handle = fromIterable(numbers()).via(map((n: number) => (n === 50 ? (() => { throw new Error('fifty'); })() : n))).runWith(ignore());
    await expect(handle.done).rejects.toMatchObject({ stage: 'map' });
    expect(finalized).toBe(1);
  });
});

describe('run: abort and stop', () => {
  it('abort() rejects done with an AbortedError (cause: the reason), cancels the sources, runs every teardown once', async () => {
    const { g, probe, teardowns } = twoSourceGraph('none');
    const handle = g.run();
    await probe.expectRequest();
    handle.abort('operator said so');
    const error = await handle.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error).toMatchObject({ cause: 'operator said so' });
    expect(await probe.cancelled).toBe(error);
    expect(teardowns()).toEqual([1, 1, 1, 1]);
  });

  it('an aborted external signal aborts the run', async () => {
    const ctl = new AbortController();
    const handle = countingSource().source.runWith(ignore(), { signal: ctl.signal });
    ctl.abort('shutdown');
    await expect(handle.done).rejects.toMatchObject({ name: 'AbortedError', cause: 'shutdown' });
  });

  it('stop() completes after draining what mapAsync has in flight, and resolves done', async () => {
    const counting = countingSource({ acks: true }); // endless; completes when stopped
    let started = 0;
    const processed: number[] = [];
    const handle = counting.source
      .via(mapAsync(async (n: number) => (started++, await sleep(20), n), { parallelism: 4 }))
      .runWith(forEach((n: number) => void processed.push(n)), { inputBuffer: 2 });
    while (started < 4) await sleep(1);
    const result = handle.stop();
    await expect(result).resolves.toBeUndefined();
    await expect(handle.done).resolves.toBeUndefined();
    expect(processed.length).toBeGreaterThanOrEqual(4);
    expect(processed).toEqual(Array.from({ length: counting.produced() }, (_, i) => i)); // everything taken was processed
    expect(counting.acked.size).toBe(counting.produced());
  });

  it('stop() completes fromIterable and fromArray sources (they ask ctx.isDraining() on each pull)', async () => {
    let closed = false;
    function* endless(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const big = Array.from({ length: 100_000 }, (_, i) => i);
    for (const source of [fromIterable(endless()), fromArray(big)]) {
      const handle = source.via(mapAsync(async (n: number) => (await sleep(1), n))).runWith(collect<number>(), { inputBuffer: 4 });
      await sleep(30);
      const got = await handle.stop();
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThan(big.length);
      expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i)); // a prefix: nothing lost or reordered
    }
    expect(closed).toBe(true); // the generator was closed
  });
});

describe('run: metrics', () => {
  it('metrics$ emits per-stage counters and completes at the end', async () => {
    const snapshots: MetricsSnapshot[] = [];
    let completed = false;
    const handle = fromArray(Array.from({ length: 50 }, (_, i) => i))
      .via(map((n: number) => n + 1).named('inc'))
      .runWith(forEach(async () => sleep(1)).named('slow'), { metricsIntervalMs: 10, inputBuffer: 8 });
    handle.metrics$.subscribe({ next: (s) => snapshots.push(s), complete: () => (completed = true) });
    await handle.done;
    expect(completed).toBe(true);
    expect(snapshots.length).toBeGreaterThan(2); // the first, some periodic ones, the last
    const last = snapshots.at(-1) as MetricsSnapshot;
    const byName = Object.fromEntries(last.stages.map((s) => [s.stage, s]));
    expect(byName.fromArray).toMatchObject({ kind: 'fromArray', out: 50 });
    expect(byName.inc).toMatchObject({ kind: 'map', in: 50, out: 50, inFlight: 0 });
    expect(byName.slow).toMatchObject({ kind: 'forEach', in: 50, out: 50, inFlight: 0 });
    const middle = snapshots.slice(1, -1).map((s) => s.stages.find((x) => x.stage === 'slow')?.out ?? 0);
    expect(middle.some((n) => n > 0 && n < 50)).toBe(true); // it counted along the way
  });
});

describe('run: bad use fails early with a clear error', () => {
  it('bad run options', () => {
    const g = fromArray([1]).to(collect());
    expect(() => run(g, { inputBuffer: 0 })).toThrow(ConfigError);
    expect(() => run(g, { inputBuffer: -4 })).toThrow(/inputBuffer must be a positive integer, got -4/);
    expect(() => run(g, { metricsIntervalMs: -1 })).toThrow(ConfigError);
  });

  it('running a single-use graph twice (an async generator object)', async () => {
    async function* gen(): AsyncGenerator<number> {
      yield 1;
      yield 2;
    }
    const g = fromAsyncIterable(gen()).to(collect());
    expect(await g.run().done).toEqual([1, 2]);
    expect(() => g.run()).toThrow(GraphError);
    expect(() => g.run()).toThrow(/can run only once/);
    // An async iterable that is not its own iterator runs as often as wanted.
    const reusable = fromAsyncIterable({ [Symbol.asyncIterator]: gen }).to(collect());
    expect(await reusable.run().done).toEqual([1, 2]);
    expect(await reusable.run().done).toEqual([1, 2]);
  });

  it('duplicate names in a linear graph', () => {
    const g = fromArray([1]).named('x').via(map((n: number) => n).named('x')).to(collect());
    expect(() => g.run()).toThrow(GraphError);
    expect(() => g.run()).toThrow('two stages are named "x"');
  });

  it('a definition is reusable: two runs of one graph are independent', async () => {
    const g = fromArray([1, 2, 3]).via(mapAsync(async (n: number) => n * 2, { parallelism: 2 })).to(collect());
    const [a, b] = await Promise.all([g.run().done, g.run().done]);
    expect(a).toEqual([2, 4, 6]);
    expect(b).toEqual([2, 4, 6]);
  });
});
