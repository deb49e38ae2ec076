import { describe, expect, it } from 'vitest';
import { type Ack, buffer, BufferOverflowError, ConfigError, defineSource, type MetricsSnapshot, type Source } from 'dendrites';
import { probeSink, probeSource } from '../../src/testkit/index.js';


/** A source of tracked elements the test feeds: each element's ack is recorded in `acked`. */
function feeder(): { source: Source<number>; send: (...items: number[]) => void; complete: () => void; acked: number[]; pulls: () => number } {
  const queue: number[] = [];
  const acked: number[] = [];
  let done = false;
  let pulls = 0;
  let wake: (() => void) | undefined;
  const source = defineSource<number>('feeder', () => ({
    async pull(max) {
      pulls++;
      while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      if (queue.length === 0) return undefined;
      const items = queue.splice(0, max);
      const acks: Ack[] = items.map((n) => () => void acked.push(n));
      return { items, acks };
    },
    async cancel() {},
  }));
  return {
    source,
    send: (...items) => {
      queue.push(...items);
      wake?.();
    },
    complete: () => {
      done = true;
      wake?.();
    },
    acked,
    pulls: () => pulls,
  };
}

async function runOverflow(overflow: 'dropHead' | 'dropTail' | 'dropNew'): Promise<{ got: number[]; acked: number[]; dropped: number | undefined }> {
  const src = feeder();
  const out = probeSink<number>();
  const snapshots: MetricsSnapshot[] = [];
  const handle = src.source.via(buffer<number>({ size: 3, overflow })).runWith(out.sink, { inputBuffer: 1 });
  handle.metrics$.subscribe((s) => snapshots.push(s));
  out.request(1);
  src.send(1);
  await out.expectNext(1);
  src.send(2, 3, 4, 5, 6); // three fit; two overflow
  await new Promise((resolve) => setTimeout(resolve, 20));
  src.complete();
  out.request(10);
  const got = await out.expectNextN(3);
  await out.expectComplete();
  await handle.done;
  const stage = snapshots.at(-1)?.stages.find((s) => s.kind === 'buffer');
  return { got, acked: src.acked, dropped: stage?.dropped };
}

describe('buffer', () => {
  it('backpressure: pulls upstream ahead up to size, then waits for downstream', async () => {
    const source = probeSource<number>();
    const out = probeSink<number>();
    const handle = source.source.via(buffer<number>({ size: 4 })).runWith(out.sink);
    out.request(1);
    expect(await source.expectRequest()).toBe(4);
    source.sendNext(1);
    expect(await source.expectRequest()).toBe(3); // pulls again at once, for the room left
    await out.expectNext(1);
    source.sendNext(2, 3);
    expect(await source.expectRequest()).toBe(2); // pulls ahead without downstream demand
    source.sendNext(4, 5);
    await source.expectNoRequest(20); // full
    out.request(2);
    await out.expectNext(2, 3);
    expect(await source.expectRequest()).toBe(2);
    source.sendComplete();
    out.request(10);
    await out.expectNext(4, 5);
    await out.expectComplete();
    await handle.done;
  });

  it('dropHead drops the oldest held, acks it and counts it', async () => {
    const r = await runOverflow('dropHead');
    expect(r.got).toEqual([4, 5, 6]);
    expect([...r.acked].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.acked.slice(1, 3)).toEqual([2, 3]); // dropped ones acked before the rest are delivered
    expect(r.dropped).toBe(2);
  });

  it('dropTail drops the youngest held', async () => {
    const r = await runOverflow('dropTail');
    expect(r.got).toEqual([2, 3, 6]);
    expect(r.acked.slice(1, 3)).toEqual([4, 5]);
    expect(r.dropped).toBe(2);
  });

  it('dropNew drops the arriving element', async () => {
    const r = await runOverflow('dropNew');
    expect(r.got).toEqual([2, 3, 4]);
    expect(r.acked.slice(1, 3)).toEqual([5, 6]);
    expect(r.dropped).toBe(2);
  });

  it('fail fails the run with a BufferOverflowError named by the stage', async () => {
    const src = feeder();
    const out = probeSink<number>();
    const handle = src.source.via(buffer<number>({ size: 2, overflow: 'fail' }).named('bounded')).runWith(out.sink, { inputBuffer: 1 });
    out.request(1); // the buffer starts pulling at the first pull
    src.send(1, 2, 3, 4, 5); // one is taken, two fit, the next overflows
    const error = await handle.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BufferOverflowError);
    expect(error).toMatchObject({ stage: 'bounded' });
  });

  it('passes acks through with the elements', async () => {
    const src = feeder();
    const out = probeSink<number>();
    const handle = src.source.via(buffer<number>({ size: 8 })).runWith(out.sink);
    src.send(1, 2, 3);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(src.acked).toEqual([]); // held, not yet processed
    out.request(2);
    await out.expectNext(1, 2);
    expect(src.acked).toEqual([1, 2]);
    src.complete();
    out.request(2);
    await out.expectNext(3);
    await out.expectComplete();
    await handle.done;
  });

  it('rejects bad options when built', () => {
    expect(() => buffer({ size: 0 })).toThrow(ConfigError);
    expect(() => buffer({ size: -3 })).toThrow(/size must be a whole number of at least 1, got -3/);
    expect(() => buffer({ size: 2, overflow: 'dropEverything' as never })).toThrow(/overflow must be one of/);
  });
});

describe('buffer options', () => {
  it('says what it takes when called the old way, and requires size', () => {
    expect(() => buffer(5 as never)).toThrow(/buffer takes an options object \{ size, overflow \}, got 5/);
    expect(() => buffer({} as never)).toThrow(/buffer: size is required/);
  });
});
