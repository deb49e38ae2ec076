import { type Chunk, sliceChunk } from '../core/chunk.js';
import { defineJunction, type Junction } from '../core/dsl.js';
import type { Pull, StageContext } from '../core/stage.js';
import { ConfigError } from '../errors.js';
import { Wakeup } from '../core/wakeup.js';

/** The options of `merge`. */
export interface MergeOptions {
  /** Complete as soon as one input completes, cancelling the others. Default `false`: complete when all have. */
  readonly eagerComplete?: boolean;
}

/**
 * Fan-in: emits the elements of `n` inputs on one output, in the order they arrive, taking
 * turns between inputs that have elements ready. It keeps at most one pull outstanding per
 * input and holds at most one chunk per input, so it loses and duplicates nothing.
 * Acknowledgements travel with their elements.
 *
 * - Emits when: one of the inputs has an element available.
 * - Backpressures when: downstream backpressures (each input then holds at most one chunk).
 * - Completes when: every input has completed and what they gave has been emitted (with
 *   `eagerComplete`, when any input completes: the others are cancelled, and what they
 *   had already given is still emitted).
 * - Fails when: an input fails.
 * - Cancels when: downstream cancels (every input is cancelled).
 */
export function merge<T>(n: number, options: MergeOptions = {}): Junction<T[], [T]> {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`merge needs a positive whole number of inputs, got ${n}`, { stage: 'merge' });
  const eagerComplete = options.eagerComplete ?? false;
  if (typeof eagerComplete !== 'boolean') throw new ConfigError(`merge: eagerComplete must be true or false, got ${String(eagerComplete)}`, { stage: 'merge' });
  return defineJunction<T[], [T]>('merge', n, 1, (inlets, ctx) => [new Merger<T>(inlets, eagerComplete, ctx).outlet]);
}

interface Input<T> {
  readonly upstream: Pull<T>;
  chunk: Chunk<T> | undefined; // what it gave and has not all been emitted
  offset: number; // elements of `chunk` already emitted
  pending: boolean; // a pull is outstanding
  done: boolean; // completed or cancelled
}

class Merger<T> {
  readonly outlet: Pull<T>;
  readonly #inputs: Input<T>[];
  readonly #wakeup = new Wakeup();
  #next = 0; // the input whose turn it is
  #finishing = false; // eager completion: no more pulls
  #cancelled = false;
  #failure: { error: unknown } | undefined;

  constructor(
    inlets: readonly Pull<T>[],
    private readonly eagerComplete: boolean,
    ctx: StageContext,
  ) {
    this.#inputs = inlets.map((upstream) => ({ upstream, chunk: undefined, offset: 0, pending: false, done: false }));
    this.outlet = { pull: (max) => this.#pull(max), cancel: (reason) => this.#cancelAll(reason) };
    ctx.onClose(() => {
      this.#cancelled = true;
      this.#wakeup.notify();
    });
  }

  async #pull(max: number): Promise<Chunk<T> | undefined> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#cancelled) return undefined;
      const out = this.#take(max);
      this.#request(max);
      if (out !== undefined) return out;
      if (this.#inputs.every((i) => i.chunk === undefined && !i.pending && (i.done || this.#finishing))) return undefined;
      await this.#wakeup.wait();
    }
  }

  /** Takes up to `max` elements from the next input, in turn, that has some. */
  #take(max: number): Chunk<T> | undefined {
    const n = this.#inputs.length;
    for (let k = 0; k < n; k++) {
      const index = (this.#next + k) % n;
      const input = this.#inputs[index];
      const chunk = input.chunk;
      if (chunk === undefined) continue;
      const end = Math.min(chunk.items.length, input.offset + max);
      const out = sliceChunk(chunk, input.offset, end);
      input.offset = end;
      if (end === chunk.items.length) input.chunk = undefined;
      this.#next = (index + 1) % n;
      return out;
    }
    return undefined;
  }

  /** Pulls every input that is idle: not done, nothing pending, nothing held. */
  #request(max: number): void {
    if (this.#finishing || this.#cancelled || this.#failure !== undefined) return;
    for (const input of this.#inputs) {
      if (input.done || input.pending || input.chunk !== undefined) continue;
      input.pending = true;
      input.upstream.pull(max).then(
        (chunk) => {
          input.pending = false;
          if (chunk === undefined) {
            input.done = true;
            if (this.eagerComplete) this.#finish();
          } else {
            input.chunk = chunk;
            input.offset = 0;
          }
          this.#wakeup.notify();
        },
        (error: unknown) => {
          input.pending = false;
          this.#failure ??= { error };
          this.#wakeup.notify();
        },
      );
    }
  }

  /** Eager completion: cancels the inputs still running; what they already gave is still emitted. */
  #finish(): void {
    if (this.#finishing) return;
    this.#finishing = true;
    for (const input of this.#inputs) {
      if (input.done) continue;
      input.done = true;
      void input.upstream.cancel('merge completed eagerly').catch(() => {});
    }
  }

  async #cancelAll(reason: unknown): Promise<void> {
    this.#cancelled = true;
    this.#wakeup.notify();
    const running = this.#inputs.filter((i) => !i.done);
    for (const input of running) input.done = true;
    await Promise.all(running.map((i) => i.upstream.cancel(reason)));
  }
}
