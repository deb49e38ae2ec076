import { type Ack, chunkOf } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';

/**
 * Passes on the elements that satisfy a predicate. A dropped element counts as
 * processed: its acknowledgement is called (so its Kafka offset can commit).
 *
 * - Emits when: an element passes the predicate.
 * - Backpressures when: downstream backpressures.
 * - Completes when: upstream completes.
 * - Fails when: the predicate throws.
 * - Cancels when: downstream cancels.
 */
export function filter<T>(predicate: (item: T) => boolean): Flow<T, T> {
  return defineFlow<T, T>('filter', (upstream) => ({
    async pull(max) {
      for (;;) {
        const chunk = await upstream.pull(max);
        if (chunk === undefined) return undefined;
        const { items: all, acks: allAcks } = chunk;
        if (allAcks === undefined) {
          // Untracked elements (in-memory sources): no acknowledgements to carry or call.
          const kept: T[] = [];
          for (let i = 0; i < all.length; i++) if (predicate(all[i])) kept.push(all[i]);
          if (kept.length === all.length) return chunk;
          if (kept.length > 0) return { items: kept };
          continue;
        }
        const items: T[] = [];
        const acks: Ack[] | undefined = allAcks === undefined ? undefined : [];
        for (let i = 0; i < all.length; i++) {
          if (predicate(all[i])) {
            items.push(all[i]);
            acks?.push((allAcks as readonly Ack[])[i]);
          } else {
            allAcks?.[i]();
          }
        }
        if (items.length > 0) return chunkOf(items, acks);
      }
    },
    cancel: (reason) => upstream.cancel(reason),
  }));
}
