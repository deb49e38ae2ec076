import { tee } from './async-generators.js';
import { CHUNK, type Command, type Contender, keep, Limiter, type Priced, price } from './workload.js';

// Plain promises, a chunk at a time: what a careful programmer writes without a library.
// Async iterators over arrays of CHUNK elements; map and filter each make a new array per
// chunk; the same two-way bounded tee as the async-generator contender, over chunks, letting
// the faster branch run at most one chunk ahead of the slower one (so at most 2 × CHUNK =
// IN_FLIGHT elements in flight); the sink awaits the same `sink.apply` per element; the counter
// adds each chunk's length.

async function* chunks<T>(items: readonly T[], size: number): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

async function* mapChunks<I, O>(input: AsyncIterable<I[]>, f: (item: I) => O): AsyncGenerator<O[]> {
  for await (const chunk of input) {
    const out = new Array<O>(chunk.length);
    for (let i = 0; i < chunk.length; i++) out[i] = f(chunk[i]);
    yield out;
  }
}

async function* filterChunks<T>(input: AsyncIterable<T[]>, p: (item: T) => boolean): AsyncGenerator<T[]> {
  for await (const chunk of input) {
    const out: T[] = [];
    for (let i = 0; i < chunk.length; i++) if (p(chunk[i])) out.push(chunk[i]);
    yield out;
  }
}

export const chunked: Contender = async (data, sink, parallelism) => {
  let counted = 0;
  const [a, b] = tee<Priced[]>(filterChunks(mapChunks(chunks<Command>(data, CHUNK), price), keep), 2, 1);
  await Promise.all([
    (async () => {
      if (parallelism === 1) {
        // `sink.apply` called directly: through a variable holding it, V8 ran ~60 more instructions per element.
        for await (const chunk of a) for (let i = 0; i < chunk.length; i++) await sink.apply(chunk[i]);
        return;
      }
      const limiter = new Limiter(sink, parallelism);
      for await (const chunk of a) for (let i = 0; i < chunk.length; i++) await limiter.apply(chunk[i]);
      await limiter.idle();
    })(),
    (async () => {
      for await (const chunk of b) counted += chunk.length;
    })(),
  ]);
  return { sinkCount: sink.count, sinkCents: sink.cents, counted };
};
