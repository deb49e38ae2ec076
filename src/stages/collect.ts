import { ackAll } from '../core/chunk.js';
import { defineSink, type Sink } from '../core/dsl.js';
import { drain } from '../core/drain.js';

/**
 * Collects every element into an array, the run's result. Use it in tests and for small,
 * finite streams: it holds everything.
 *
 * - Backpressures when: never.
 * - Completes when: upstream completes; the result is the array.
 * - Fails when: upstream fails.
 */
export function collect<T>(): Sink<T, T[]> {
  return defineSink<T, T[]>('collect', async (upstream, ctx) => {
    const all: T[] = [];
    await drain(upstream, ctx.inputBuffer, (chunk) => {
      for (const item of chunk.items) all.push(item);
      ackAll(chunk);
      ctx.metrics.out += chunk.items.length;
    });
    return all;
  });
}
