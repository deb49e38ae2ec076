import { Effect, Stream } from 'effect';
import { AsyncSink, type Contender, keep, price } from './workload.js';

/**
 * Effect Stream: fromIterable -> map -> filter -> broadcast(2, lag of 1 chunk) ->
 * runForEach(Effect.promise) and runFold (the counter), concurrently, in one scope.
 */
export const effect: Contender = async (data) => {
  const sink = new AsyncSink();
  const program = Effect.scoped(
    Effect.gen(function* () {
      const [a, b] = yield* Stream.fromIterable(data).pipe(Stream.map(price), Stream.filter(keep), Stream.broadcast(2, 1));
      const [, counted] = yield* Effect.all(
        [Stream.runForEach(a, (p) => Effect.promise(() => sink.apply(p))), Stream.runFold(b, 0, (n: number) => n + 1)],
        { concurrency: 'unbounded' },
      );
      return counted;
    }),
  );
  const counted = await Effect.runPromise(program);
  return { sinkCount: sink.count, sinkCents: sink.cents, counted };
};
