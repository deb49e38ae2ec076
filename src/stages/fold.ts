import { ackAll } from '../core/chunk.js';
import { defineSink, type Sink } from '../core/dsl.js';
import { drain } from '../core/drain.js';

/**
 * Folds every element into one value, the run's result.
 *
 * - Backpressures when: never.
 * - Completes when: upstream completes; the result is the last accumulated value.
 * - Fails when: `f` throws or upstream fails.
 */
export function fold<T, A>(initial: A, f: (accumulated: A, item: T) => A): Sink<T, A> {
  return defineSink<T, A>('fold', async (upstream, ctx) => {
    let accumulated = initial;
    await drain(upstream, ctx.inputBuffer, (chunk) => {
      const items = chunk.items;
      let acc = accumulated;
      for (let i = 0; i < items.length; i++) acc = f(acc, items[i]);
      accumulated = acc;
      ackAll(chunk);
      ctx.metrics.out += items.length;
    });
    return accumulated;
  });
}
