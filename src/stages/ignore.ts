import { ackAll } from '../core/chunk.js';
import { defineSink, type Sink } from '../core/dsl.js';
import { drain } from '../core/drain.js';

/**
 * Takes and acknowledges every element, keeping none.
 *
 * - Backpressures when: never.
 * - Completes when: upstream completes.
 * - Fails when: upstream fails.
 */
export function ignore<T = unknown>(): Sink<T, void> {
  return defineSink<T, void>('ignore', async (upstream, ctx) => {
    await drain(upstream, ctx.inputBuffer, (chunk) => {
      ackAll(chunk);
      ctx.metrics.out += chunk.items.length;
    });
  });
}
