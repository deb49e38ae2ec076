import { type Ack, type Chunk, ChunkBuilder } from '../core/chunk.js';
import { defineJunction, type Junction } from '../core/dsl.js';
import type { Pull, StageContext } from '../core/stage.js';
import { Wakeup } from '../core/wakeup.js';

/**
 * Fan-in of two inputs into pairs `[a, b]`: the i-th element of input 0 with the i-th of
 * input 1. Acknowledging a pair acknowledges both of its elements. Elements one input gave
 * and the other has no partner for when it completes are not emitted and not acknowledged
 * (they were not processed).
 *
 * - Emits when: both inputs have an element available.
 * - Backpressures when: downstream backpressures (each input then holds at most one chunk).
 * - Completes when: either input has completed and every element it gave has been paired;
 *   the other input is then cancelled.
 * - Fails when: either input fails.
 * - Cancels when: downstream cancels (both inputs are cancelled).
 */
export function zip<A, B>(): Junction<[A, B], [[A, B]]> {
  return defineJunction<[A, B], [[A, B]]>('zip', 2, 1, ([a, b], ctx) => [new Zipper<A, B>(a, b, ctx).outlet]);
}

interface Side<T> {
  readonly upstream: Pull<T>;
  readonly items: T[];
  readonly acks: (Ack | undefined)[];
  pending: boolean;
  done: boolean;
}

function side<T>(upstream: Pull<T>): Side<T> {
  return { upstream, items: [], acks: [], pending: false, done: false };
}

class Zipper<A, B> {
  readonly outlet: Pull<[A, B]>;
  readonly #a: Side<A>;
  readonly #b: Side<B>;
  readonly #wakeup = new Wakeup();
  #finished = false;
  #failure: { error: unknown } | undefined;

  constructor(a: Pull<A>, b: Pull<B>, ctx: StageContext) {
    this.#a = side(a);
    this.#b = side(b);
    this.outlet = { pull: (max) => this.#pull(max), cancel: (reason) => this.#finish(reason) };
    ctx.onClose(() => {
      this.#finished = true;
      this.#wakeup.notify();
    });
  }

  async #pull(max: number): Promise<Chunk<[A, B]> | undefined> {
    const a = this.#a;
    const b = this.#b;
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#finished) return undefined;
      const n = Math.min(max, a.items.length, b.items.length);
      if (n > 0) return this.#pairs(n);
      if ((a.done && a.items.length === 0) || (b.done && b.items.length === 0)) {
        await this.#finish('zip completed: an input completed');
        return undefined;
      }
      this.#request(a, max);
      this.#request(b, max);
      await this.#wakeup.wait();
    }
  }

  #pairs(n: number): Chunk<[A, B]> {
    const items = this.#a.items.splice(0, n);
    const others = this.#b.items.splice(0, n);
    const acksA = this.#a.acks.splice(0, n);
    const acksB = this.#b.acks.splice(0, n);
    const out = new ChunkBuilder<[A, B]>();
    for (let i = 0; i < n; i++) {
      const ackA = acksA[i];
      const ackB = acksB[i];
      const ack =
        ackA === undefined && ackB === undefined
          ? undefined
          : () => {
              ackA?.();
              ackB?.();
            };
      out.push([items[i], others[i]], ack);
    }
    return out.take();
  }

  #request<T>(s: Side<T>, max: number): void {
    if (s.pending || s.done || s.items.length > 0) return;
    s.pending = true;
    s.upstream.pull(max).then(
      (chunk) => {
        s.pending = false;
        if (chunk === undefined) s.done = true;
        else
          for (let i = 0; i < chunk.items.length; i++) {
            s.items.push(chunk.items[i]);
            s.acks.push(chunk.acks?.[i]);
          }
        this.#wakeup.notify();
      },
      (error: unknown) => {
        s.pending = false;
        this.#failure ??= { error };
        this.#wakeup.notify();
      },
    );
  }

  async #finish(reason: unknown): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    this.#wakeup.notify();
    const running = [this.#a, this.#b].filter((s) => !s.done);
    for (const s of running) s.done = true;
    await Promise.all(running.map((s) => s.upstream.cancel(reason)));
  }
}
