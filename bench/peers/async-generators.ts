import { type Command, type Contender, IN_FLIGHT, keep, Limiter, type Priced, price } from './workload.js';

async function* source<T>(items: readonly T[]): AsyncGenerator<T> {
  for (let i = 0; i < items.length; i++) yield items[i];
}

async function* mapGen<I, O>(input: AsyncIterable<I>, f: (item: I) => O): AsyncGenerator<O> {
  for await (const item of input) yield f(item);
}

async function* filterGen<T>(input: AsyncIterable<T>, p: (item: T) => boolean): AsyncGenerator<T> {
  for await (const item of input) if (p(item)) yield item;
}

/**
 * A bounded tee: `n` async iterables over one upstream iterator. The upstream is pulled
 * only when a branch needs an element nobody has fetched yet, and a branch may run at
 * most `window` elements ahead of the slowest one (then it waits): backpressure.
 */
export function tee<T>(input: AsyncIterable<T>, n: number, window: number): AsyncIterable<T>[] {
  const upstream = input[Symbol.asyncIterator]();
  const buffer: T[] = []; // buffer[0] is element number `base`
  let base = 0;
  let done = false;
  let fetching: Promise<void> | undefined;
  const positions = new Array<number>(n).fill(0);
  let wake: (() => void) | undefined;
  let waiting: Promise<void> | undefined;
  const slowest = (): number => Math.min(...positions);
  const trim = (): void => {
    const drop = slowest() - base;
    if (drop > 0) {
      buffer.splice(0, drop);
      base += drop;
      wake?.();
      wake = undefined;
      waiting = undefined;
    }
  };
  const fetch = (): Promise<void> =>
    (fetching ??= upstream.next().then((r) => {
      fetching = undefined;
      if (r.done === true) done = true;
      else buffer.push(r.value);
    }));
  const branch = async function* (k: number): AsyncGenerator<T> {
    for (;;) {
      while (positions[k] >= base + buffer.length) {
        if (done) return;
        if (positions[k] - slowest() >= window) await (waiting ??= new Promise<void>((r) => (wake = r)));
        else await fetch();
      }
      const item = buffer[positions[k] - base];
      positions[k]++;
      trim();
      yield item;
    }
  };
  return Array.from({ length: n }, (_, k) => branch(k));
}

/**
 * Plain async generators: source -> map -> filter -> bounded tee(2) -> two consumers, one
 * element at a time. The tee lets the counter run at most IN_FLIGHT - 1 elements ahead of the
 * sink, and the sink holds one, so at most IN_FLIGHT are in flight (plus the sink's calls).
 */
export const asyncGenerators: Contender = async (data, sink, parallelism) => {
  let counted = 0;
  const [a, b] = tee<Priced>(filterGen(mapGen(source<Command>(data), price), keep), 2, IN_FLIGHT - 1);
  await Promise.all([
    (async () => {
      if (parallelism === 1) {
        for await (const p of a) await sink.apply(p);
        return;
      }
      const limiter = new Limiter(sink, parallelism);
      for await (const p of a) await limiter.apply(p);
      await limiter.idle();
    })(),
    (async () => {
      for await (const _ of b) counted++;
    })(),
  ]);
  return { sinkCount: sink.count, sinkCents: sink.cents, counted };
};
