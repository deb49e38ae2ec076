import { defineStep, type Flow } from '../core/dsl.js';
import { inStage } from '../errors.js';

/**
 * Transforms each element with a synchronous function.
 *
 * - Emits when: the upstream emits (one output per input).
 * - Backpressures when: downstream backpressures.
 * - Completes when: upstream completes.
 * - Fails when: `f` throws (the error names this stage).
 * - Cancels when: downstream cancels.
 *
 * A step stage: next to other step stages (filter) it runs fused, one loop per chunk.
 */
export function map<I, O>(f: (item: I) => O): Flow<I, O> {
  return defineStep<I, O>('map', (ctx, out) => (item, ack) => {
    let mapped: O;
    try {
      mapped = f(item);
    } catch (error) {
      throw inStage(error, ctx.name);
    }
    out.emit(mapped, ack);
  });
}
