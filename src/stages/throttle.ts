import { defineFlow, type Flow } from '../core/dsl.js';
import { ConfigError } from '../errors.js';
import { positiveInteger } from '../core/options.js';
import { sleep } from '../core/time.js';

/** The options of `throttle`: a token bucket of `elements` per `perMs`. */
export interface ThrottleOptions {
  /** Elements let through per `perMs`; a positive whole number. Required. */
  readonly elements: number;
  /** The period `elements` are counted over, ms (> 0). Required. */
  readonly perMs: number;
  /**
   * The bucket's capacity: how many elements may pass at once after a quiet spell. The
   * bucket starts full. Default `elements`.
   */
  readonly burst?: number;
}

/**
 * Limits the rate to `elements` per `perMs` milliseconds with a token bucket: tokens drip
 * in at that rate up to `burst`, each element passing takes one, and when none is left the
 * stage waits (it never drops). It asks upstream only for as many elements as it has
 * tokens for.
 *
 * - Emits when: downstream pulls, a token is available and upstream emits.
 * - Backpressures when: the bucket is empty, or downstream backpressures.
 * - Completes when: upstream completes.
 * - Fails when: upstream fails.
 * - Cancels when: downstream cancels.
 */
export function throttle<T>(options: ThrottleOptions): Flow<T, T> {
  if (options === null || typeof options !== 'object') throw new ConfigError(`throttle takes an options object { elements, perMs, burst }, got ${String(options)}`, { stage: 'throttle' });
  if (options.elements === undefined) throw new ConfigError('throttle: elements is required', { stage: 'throttle' });
  const elements = positiveInteger('throttle', 'elements', options.elements, 1);
  const perMs = options.perMs;
  if (typeof perMs !== 'number' || !Number.isFinite(perMs) || perMs <= 0) {
    throw new ConfigError(`throttle: perMs must be a number greater than 0, got ${String(perMs)}`, { stage: 'throttle' });
  }
  const burst = positiveInteger('throttle', 'burst', options.burst, elements);
  const perToken = perMs / elements; // ms for one token to drip in
  return defineFlow<T, T>('throttle', (upstream, ctx) => {
    let tokens = burst;
    let last = performance.now();
    const refill = (): void => {
      const now = performance.now();
      tokens = Math.min(burst, tokens + (now - last) / perToken);
      last = now;
    };
    return {
      async pull(max) {
        refill();
        while (tokens < 1 && !ctx.signal.aborted) {
          await sleep((1 - tokens) * perToken, ctx.signal);
          refill();
        }
        const chunk = await upstream.pull(Math.max(1, Math.min(max, Math.floor(tokens))));
        if (chunk !== undefined) {
          refill();
          tokens -= chunk.items.length;
        }
        return chunk;
      },
      cancel: (reason) => upstream.cancel(reason),
    };
  });
}
