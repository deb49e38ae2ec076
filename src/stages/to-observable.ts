import { Observable } from 'rxjs';
import { ackAll } from '../core/chunk.js';
import { defineSink, type Source } from '../core/dsl.js';
import { drain } from '../core/drain.js';
import type { RunOptions } from '../core/run.js';
import { positiveInteger } from '../core/options.js';

/** How the source is run for each subscriber: the options of `run` (inputBuffer, metricsIntervalMs, signal). */
export type ToObservableOptions = RunOptions;

/**
 * An rxjs Observable of a source's elements. Each subscription runs the source (a cold
 * observable: subscribe twice, run twice) into a sink that pushes every element to the
 * subscriber and then acknowledges it. Unsubscribing aborts the run, which tears it down.
 *
 * An observer cannot backpressure: the sink pulls as fast as the run allows (in chunks of
 * up to `inputBuffer`), and a slow observer must buffer or drop on its own side.
 *
 * - Emits when: the source emits (the observer's `next`).
 * - Backpressures when: never (an observer cannot backpressure).
 * - Completes when: the source completes (the observer's `complete`).
 * - Fails when: the run fails (the observer's `error`, with the error named by stage).
 * - Cancels when: the subscriber unsubscribes (the run is aborted).
 *
 * @example examples/rx-interop.ts
 */
export function toObservable<T>(source: Source<T>, options: ToObservableOptions = {}): Observable<T> {
  positiveInteger('toObservable', 'inputBuffer', options.inputBuffer, 1);
  positiveInteger('toObservable', 'metricsIntervalMs', options.metricsIntervalMs, 1);
  return new Observable<T>((subscriber) => {
    const sink = defineSink<T, void>('toObservable', (upstream, ctx) =>
      drain(upstream, ctx.inputBuffer, (chunk) => {
        for (const item of chunk.items) subscriber.next(item);
        ackAll(chunk);
        ctx.metrics.out += chunk.items.length;
      }),
    );
    const handle = source.runWith(sink, options);
    let ended = false;
    handle.done.then(
      () => {
        ended = true;
        subscriber.complete();
      },
      (error: unknown) => {
        ended = true;
        subscriber.error(error);
      },
    );
    return () => {
      if (!ended) handle.abort('unsubscribed');
    };
  });
}
