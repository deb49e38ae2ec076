import { defineStep, type Flow } from '../core/dsl.js';
import { inStage } from '../errors.js';

/**
 * Passes on the elements that satisfy a predicate. A dropped element counts as
 * processed: its acknowledgement is called (so its Kafka offset can commit).
 *
 * - Emits when: an element passes the predicate.
 * - Backpressures when: downstream backpressures.
 * - Completes when: upstream completes.
 * - Fails when: the predicate throws.
 * - Cancels when: downstream cancels.
 *
 * A step stage: next to other step stages (map) it runs fused, one loop per chunk.
 */
export function filter<T>(predicate: (item: T) => boolean): Flow<T, T> {
  return defineStep<T, T>('filter', (ctx, out) => (item, ack) => {
    let keep: boolean;
    try {
      keep = predicate(item);
    } catch (error) {
      throw inStage(error, ctx.name);
    }
    if (keep) out.emit(item, ack);
    else out.drop(ack);
  });
}
