import { defineSource, type Source } from '../core/dsl.js';

/**
 * A source of the elements of an array or any (synchronous) iterable, iterated afresh
 * on each run.
 *
 * - Emits when: downstream pulls; up to the demand at once.
 * - Backpressures when: never (it only produces on demand).
 * - Completes when: the iterable is exhausted, or the run is stopped.
 * - Fails when: the iterator throws.
 * - Cancels when: never (it has no upstream); on cancel it closes the iterator.
 *
 * @example examples/in-memory-graph.ts
 */
export function fromIterable<T>(iterable: Iterable<T>): Source<T> {
  if (Array.isArray(iterable)) return fromArray(iterable as readonly T[]);
  return defineSource<T>('fromIterable', (ctx) => {
    let iterator: Iterator<T> | undefined;
    let finished = false;
    const close = (): void => {
      if (finished) return;
      finished = true;
      iterator?.return?.();
    };
    ctx.onClose(close);
    return {
      async pull(max) {
        if (finished || ctx.isDraining()) {
          close();
          return undefined;
        }
        iterator ??= iterable[Symbol.iterator]();
        const items: T[] = [];
        while (items.length < max) {
          const next = iterator.next();
          if (next.done === true) {
            finished = true;
            break;
          }
          items.push(next.value);
        }
        return items.length > 0 ? { items } : undefined;
      },
      async cancel() {
        close();
      },
    };
  });
}

/** A source of an array's elements, handed out in slices. Same contract as `fromIterable`. */
export function fromArray<T>(array: readonly T[]): Source<T> {
  return defineSource<T>('fromArray', (ctx) => {
    let position = 0;
    return {
      async pull(max) {
        if (position >= array.length || ctx.isDraining()) return undefined;
        const items = array.slice(position, position + max);
        position += items.length;
        return { items };
      },
      async cancel() {
        position = array.length;
      },
    };
  });
}
