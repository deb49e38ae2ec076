import { defineSink, type Sink } from '../core/dsl.js';
import { drain } from '../core/drain.js';
import { positiveInteger } from '../core/options.js';
import { Wakeup } from '../core/wakeup.js';

/** The options of `forEach`. */
export interface ForEachOptions {
  /** How many calls may be in flight at once. Default 1 (one after the other, in order). */
  readonly parallelism?: number;
}

/** What a sink function gets besides the element. */
export interface SinkCallContext {
  /** Aborted when the run fails or is aborted. */
  readonly signal: AbortSignal;
}

/**
 * The sink you write yourself: calls an async function for each element, with at most
 * `parallelism` calls in flight. An element counts as processed (and is acknowledged,
 * so its Kafka offset may commit) when its call resolves.
 *
 * - Emits when: never (a sink).
 * - Backpressures when: `parallelism` calls are in flight.
 * - Completes when: upstream completes and every call has resolved.
 * - Fails when: a call rejects or throws: the run fails at once, also while the upstream
 *   is idle (the element is not acknowledged, calls still in flight are told through `signal`).
 * - Cancels when: never on its own.
 *
 * @example examples/in-memory-graph.ts
 */
export function forEach<T>(f: (item: T, context: SinkCallContext) => unknown, options: ForEachOptions = {}): Sink<T, void> {
  const parallelism = positiveInteger('forEach', 'parallelism', options.parallelism, 1);
  return defineSink<T, void>('forEach', async (upstream, ctx) => {
    const call = { signal: ctx.signal };
    if (parallelism === 1) {
      const metrics = ctx.metrics;
      return drain(upstream, ctx.inputBuffer, async ({ items, acks }) => {
        for (let i = 0; i < items.length; i++) {
          await f(items[i], call);
          if (acks !== undefined) acks[i]();
          metrics.out++;
        }
      });
    }
    let inFlight = 0;
    let failure: { error: unknown } | undefined;
    const slotFree = new Wakeup();
    const settle = (): void => {
      inFlight--;
      slotFree.notify();
    };
    await drain(upstream, ctx.inputBuffer, async ({ items, acks }) => {
      for (let i = 0; i < items.length; i++) {
        while (inFlight >= parallelism) await slotFree.wait();
        if (failure !== undefined) throw failure.error;
        inFlight++;
        const ack = acks?.[i];
        Promise.resolve()
          .then(() => f(items[i], call))
          .then(
            () => {
              ack?.();
              ctx.metrics.out++;
              settle();
            },
            (error: unknown) => {
              failure ??= { error };
              ctx.fail(error); // now, not at the next chunk: the upstream may be idle for long
              settle();
            },
          );
      }
    });
    while (inFlight > 0) await slotFree.wait();
    if (failure !== undefined) throw failure.error;
  });
}
