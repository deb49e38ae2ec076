import { defineSink, type Sink } from '../core/dsl.js';
import { drain } from '../core/drain.js';
import { positiveInteger } from '../core/options.js';
import type { Pull, StageContext } from '../core/stage.js';
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
  return defineSink<T, void>('forEach', (upstream, ctx) => {
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
    return concurrently(upstream, ctx, f, call, parallelism);
  });
}

/**
 * `parallelism` > 1: each call starts as soon as a slot is free, called at once from the
 * loop (a call that throws at once counts as a rejected one), and a slot is freed when
 * its call settles.
 */
async function concurrently<T>(
  upstream: Pull<T>,
  ctx: StageContext,
  f: (item: T, context: SinkCallContext) => unknown,
  call: SinkCallContext,
  parallelism: number,
): Promise<void> {
  let inFlight = 0;
  let failure: { error: unknown } | undefined;
  const slotFree = new Wakeup();
  const metrics = ctx.metrics;
  const failed = (error: unknown): void => {
    failure ??= { error };
    ctx.fail(error); // now, not at the next chunk: the upstream may be idle for long
    inFlight--;
    slotFree.notify();
  };
  const done = (): void => {
    metrics.out++;
    inFlight--;
    slotFree.notify();
  };
  const throwIfFailed = (): void => {
    if (failure !== undefined) throw failure.error;
  };
  for (;;) {
    throwIfFailed();
    const chunk = await upstream.pull(ctx.inputBuffer);
    if (chunk === undefined) break;
    const { items, acks } = chunk;
    for (let i = 0; i < items.length; i++) {
      while (inFlight >= parallelism) await slotFree.wait();
      throwIfFailed();
      inFlight++;
      let pending: unknown;
      try {
        pending = f(items[i], call);
      } catch (error) {
        failed(error);
        continue;
      }
      const ack = acks?.[i];
      // One reaction per call: a resolved call acknowledges its element, then frees its slot.
      Promise.resolve(pending).then(
        ack === undefined
          ? done
          : () => {
              ack();
              done();
            },
        failed,
      );
    }
  }
  while (inFlight > 0) await slotFree.wait();
  throwIfFailed();
}
