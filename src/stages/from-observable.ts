import type { Observable, Subscription } from 'rxjs';
import { defineSource, type Source } from '../core/dsl.js';
import { BufferOverflowError, ConfigError } from '../errors.js';
import { positiveInteger } from '../core/options.js';
import { Wakeup } from '../core/wakeup.js';

/** The options of `fromObservable`. */
export interface FromObservableOptions {
  /** The most elements held between the observable's pushes and downstream's pulls. Default 128. */
  readonly bufferSize?: number;
  /**
   * What to do with an element pushed when the buffer is full: `fail` the run with a
   * BufferOverflowError, or drop the oldest (`dropHead`) or youngest (`dropTail`) element
   * held to make room (counted in the stage's `dropped` metric). Default `fail`.
   */
  readonly overflow?: 'fail' | 'dropHead' | 'dropTail';
}

const OVERFLOWS = ['fail', 'dropHead', 'dropTail'] as const;

/**
 * A source of an rxjs Observable's values. An observable cannot be backpressured, so the
 * values it pushes wait in a bounded buffer, with an explicit overflow strategy. It
 * subscribes on the first pull (so a cold observable starts once the graph wants data) and
 * unsubscribes when cancelled or when the run ends. A synchronous observable (`of`, `from`
 * an array) pushes everything at subscription: give it a buffer that fits.
 *
 * - Emits when: downstream pulls and the buffer holds a value.
 * - Backpressures when: never (it cannot); the buffer's overflow strategy applies instead.
 * - Completes when: the observable completes and the buffer has been emptied, or the run
 *   is stopped (it unsubscribes and emits what it holds).
 * - Fails when: the observable errors (at once, with its error), or (`fail`) the buffer
 *   overflows.
 * - Cancels when: never (it has no upstream); on cancel it unsubscribes.
 *
 * @example examples/rx-interop.ts
 */
export function fromObservable<T>(observable: Observable<T>, options: FromObservableOptions = {}): Source<T> {
  const bufferSize = positiveInteger('fromObservable', 'bufferSize', options.bufferSize, 128);
  const overflow = options.overflow ?? 'fail';
  if (!OVERFLOWS.includes(overflow)) {
    throw new ConfigError(`fromObservable: overflow must be one of ${OVERFLOWS.join(', ')}, got ${String(overflow)}`, { stage: 'fromObservable' });
  }
  return defineSource<T>('fromObservable', (ctx) => {
    const items: T[] = [];
    const wakeup = new Wakeup();
    let subscription: Subscription | undefined;
    let subscribed = false;
    let finished = false; // completed, cancelled, stopped or torn down: no more values taken
    let failure: { error: unknown } | undefined;

    const unsubscribe = (): void => {
      finished = true;
      subscription?.unsubscribe();
      subscription = undefined;
      wakeup.notify();
    };
    const onDrain = (): void => unsubscribe();
    ctx.draining.addEventListener('abort', onDrain, { once: true });
    ctx.onClose(() => {
      ctx.draining.removeEventListener('abort', onDrain);
      unsubscribe();
    });

    const next = (value: T): void => {
      if (finished) return;
      if (items.length >= bufferSize) {
        if (overflow === 'fail') {
          const error = new BufferOverflowError(`fromObservable "${ctx.name}" overflowed: the observable pushed more than bufferSize ${bufferSize} ahead of demand`, {
            stage: ctx.name,
          });
          failure ??= { error };
          ctx.fail(error);
          unsubscribe();
          return;
        }
        if (overflow === 'dropHead') items.shift();
        else items.pop();
        ctx.metrics.dropped++;
      }
      items.push(value);
      wakeup.notify();
    };
    const subscribe = (): void => {
      subscribed = true;
      subscription = observable.subscribe({
        next,
        error: (error: unknown) => {
          if (finished) return;
          failure ??= { error };
          unsubscribe();
        },
        complete: () => unsubscribe(),
      });
      // A synchronous observable may have finished (or overflowed) during subscribe.
      if (finished) unsubscribe();
    };

    return {
      async pull(max) {
        if (!subscribed && !ctx.isDraining()) subscribe();
        for (;;) {
          if (failure !== undefined) throw failure.error;
          if (items.length > 0) return { items: items.splice(0, max) };
          if (finished || ctx.isDraining()) return undefined;
          await wakeup.wait();
        }
      },
      async cancel() {
        items.length = 0;
        unsubscribe();
      },
    };
  });
}
