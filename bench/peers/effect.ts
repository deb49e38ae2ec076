import { Effect, Stream } from 'effect';
import { type Contender, IN_FLIGHT, keep, price } from './workload.js';

/**
 * Effect holds three chunks in this pipeline (the one the sink works on, one in broadcast's
 * queue at maximumLag 1, and the one the source has ready to offer), so its chunks are a third
 * of IN_FLIGHT (341 elements; Effect's own default is 4096) to keep within the shared bound.
 */
const EFFECT_CHUNK = Math.floor(IN_FLIGHT / 3);

/**
 * Effect Stream: the input in chunks (`fromIteratorSucceed`) -> map -> filter ->
 * broadcast(2, maximumLag 1 chunk) -> the sink and runFold (the counter), concurrently, in one
 * scope. The sink: `runForEach(Effect.promise)`, or with `parallelism` > 1, per chunk
 * `Effect.forEach(…, { concurrency })` (`Stream.mapEffect` with `concurrency: 8` was 6–9 times
 * slower in this workload).
 */
export const effect: Contender = async (data, sink, parallelism) => {
  const program = Effect.scoped(
    Effect.gen(function* () {
      const [a, b] = yield* Stream.fromIteratorSucceed(data[Symbol.iterator](), EFFECT_CHUNK).pipe(Stream.map(price), Stream.filter(keep), Stream.broadcast(2, 1));
      const toSink =
        parallelism === 1
          ? Stream.runForEach(a, (p) => Effect.promise(() => sink.apply(p)))
          : Stream.runForEachChunk(a, (chunk) => Effect.forEach(chunk, (p) => Effect.promise(() => sink.apply(p)), { concurrency: parallelism, discard: true }));
      const [, counted] = yield* Effect.all([toSink, Stream.runFold(b, 0, (n: number) => n + 1)], { concurrency: 'unbounded' });
      return counted;
    }),
  );
  const counted = await Effect.runPromise(program);
  return { sinkCount: sink.count, sinkCents: sink.cents, counted };
};
