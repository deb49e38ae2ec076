import { defineSource, type Source } from '../core/dsl.js';
import { GraphError } from '../errors.js';

/**
 * A source of the elements of an async iterable. An async iterator (an async generator
 * object, say) can be consumed once: a second run of a graph that holds it fails with a
 * GraphError before anything runs.
 *
 * - Emits when: downstream pulls and the iterator yields (one element per pull).
 * - Backpressures when: never; the iterator is only advanced on demand.
 * - Completes when: the iterator is done, or the run is stopped.
 * - Fails when: the iterator throws.
 * - Cancels when: never; on cancel or at the end of the run it calls the iterator's `return()`.
 */
export function fromAsyncIterable<T>(iterable: AsyncIterable<T>): Source<T> {
  let used = false;
  return defineSource<T>('fromAsyncIterable', (ctx) => {
    const iterator = iterable[Symbol.asyncIterator]();
    if (iterator === (iterable as unknown)) {
      if (used) throw new GraphError(`stage "${ctx.name}" reads an async iterator, which can run only once`, { stage: ctx.name });
      used = true;
    }
    let finished = false;
    const close = async (): Promise<void> => {
      if (finished) return;
      finished = true;
      await iterator.return?.();
    };
    ctx.onClose(close);
    return {
      async pull() {
        if (finished || ctx.isDraining()) {
          await close();
          return undefined;
        }
        const next = await iterator.next();
        if (next.done === true) {
          finished = true;
          return undefined;
        }
        return { items: [next.value] };
      },
      cancel: close,
    };
  });
}
