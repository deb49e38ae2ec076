import { type Ack, type Chunk, ChunkBuilder } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';
import type { Pull, StageContext } from '../core/stage.js';
import { BufferOverflowError, ConfigError } from '../errors.js';
import { positiveInteger } from '../core/options.js';
import { yieldToEventLoop } from '../core/time.js';
import { Wakeup } from '../core/wakeup.js';

/**
 * What a full buffer does with one more element:
 * - `backpressure`: it does not pull upstream while full, so nothing is dropped;
 * - `dropHead`: drops the oldest element held; `dropTail`: the youngest held;
 * - `dropNew`: drops the element arriving;
 * - `fail`: fails the run with a BufferOverflowError.
 */
export type OverflowStrategy = 'backpressure' | 'dropHead' | 'dropTail' | 'dropNew' | 'fail';

const STRATEGIES: readonly OverflowStrategy[] = ['backpressure', 'dropHead', 'dropTail', 'dropNew', 'fail'];

/** The options of `buffer`. */
export interface BufferOptions {
  /** The most elements held; a positive whole number. Required. */
  readonly size: number;
  /** What a full buffer does with one more element. Default `'backpressure'`. */
  readonly overflow?: OverflowStrategy;
}

/**
 * Holds up to `size` elements, pulling upstream ahead of downstream demand so that a
 * bursty upstream and downstream can each go at their own pace. Under every strategy but
 * `backpressure` it keeps pulling when full; a dropped element is acknowledged (it is done
 * with) and counted in the stage's `dropped` metric.
 *
 * - Emits when: downstream pulls and the buffer holds an element.
 * - Backpressures when: (`backpressure` only) the buffer is full. Otherwise never.
 * - Completes when: upstream completes and the buffer has been emptied.
 * - Fails when: upstream fails, or (`fail`) an element arrives when the buffer is full.
 * - Cancels when: downstream cancels.
 *
 * @example examples/rx-interop.ts
 */
export function buffer<T>(options: BufferOptions): Flow<T, T> {
  if (options === null || typeof options !== 'object') throw new ConfigError(`buffer takes an options object { size, overflow }, got ${String(options)}`, { stage: 'buffer' });
  if (options.size === undefined) throw new ConfigError('buffer: size is required (the most elements held)', { stage: 'buffer' });
  const size = positiveInteger('buffer', 'size', options.size, 1);
  const overflow = options.overflow ?? 'backpressure';
  if (!STRATEGIES.includes(overflow)) {
    throw new ConfigError(`buffer: overflow must be one of ${STRATEGIES.join(', ')}, got ${String(overflow)}`, { stage: 'buffer' });
  }
  return defineFlow<T, T>('buffer', (upstream, ctx) => new Buffered<T>(upstream, ctx, size, overflow).outlet);
}

class Buffered<T> {
  readonly outlet: Pull<T>;
  readonly #items: T[] = [];
  readonly #acks: (Ack | undefined)[] = [];
  readonly #wakeup = new Wakeup();
  #pulling = false;
  #upstreamDone = false;
  #stopped = false; // cancelled, or the run is over
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly upstream: Pull<T>,
    private readonly ctx: StageContext,
    private readonly size: number,
    private readonly overflow: OverflowStrategy,
  ) {
    this.outlet = { pull: (max) => this.#pull(max), cancel: (reason) => this.#cancel(reason) };
    ctx.onClose(() => {
      this.#stopped = true;
      this.#wakeup.notify();
    });
  }

  async #pull(max: number): Promise<Chunk<T> | undefined> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#stopped) return undefined;
      if (this.#items.length > 0) {
        const n = Math.min(max, this.#items.length);
        const out = new ChunkBuilder<T>();
        const items = this.#items.splice(0, n);
        const acks = this.#acks.splice(0, n);
        for (let i = 0; i < n; i++) out.push(items[i], acks[i]);
        this.#fill();
        return out.take();
      }
      if (this.#upstreamDone) return undefined;
      this.#fill();
      await this.#wakeup.wait();
    }
  }

  /** Pulls upstream unless a pull is outstanding or (backpressure) the buffer is full. */
  #fill(): void {
    if (this.#pulling || this.#upstreamDone || this.#stopped || this.#failure !== undefined) return;
    const free = this.size - this.#items.length;
    if (free <= 0 && this.overflow === 'backpressure') return;
    this.#pulling = true;
    this.upstream.pull(Math.max(free, 1)).then(
      async (chunk) => {
        if (chunk === undefined) this.#upstreamDone = true;
        else for (let i = 0; i < chunk.items.length; i++) this.#offer(chunk.items[i], chunk.acks?.[i]);
        this.#wakeup.notify();
        // Full and dropping: let timers and I/O run before pulling again.
        if (this.#items.length >= this.size) await yieldToEventLoop();
        this.#pulling = false;
        this.#fill();
      },
      (error: unknown) => {
        this.#pulling = false;
        this.#failure ??= { error };
        this.#wakeup.notify();
      },
    );
  }

  #offer(item: T, ack: Ack | undefined): void {
    if (this.#failure !== undefined) return;
    if (this.#items.length < this.size) {
      this.#items.push(item);
      this.#acks.push(ack);
      return;
    }
    switch (this.overflow) {
      case 'dropHead':
        this.#drop(this.#acks.shift());
        this.#items.shift();
        break;
      case 'dropTail':
        this.#drop(this.#acks.pop());
        this.#items.pop();
        break;
      case 'dropNew':
        this.#drop(ack);
        return;
      case 'backpressure': // never offered more than fits: it pulls only what is free
      case 'fail': {
        const error = new BufferOverflowError(`buffer "${this.ctx.name}" overflowed: it holds ${this.size} elements`, { stage: this.ctx.name });
        this.#failure = { error };
        this.ctx.fail(error);
        return;
      }
    }
    this.#items.push(item);
    this.#acks.push(ack);
  }

  #drop(ack: Ack | undefined): void {
    ack?.();
    this.ctx.metrics.dropped++;
  }

  async #cancel(reason: unknown): Promise<void> {
    this.#stopped = true;
    this.#wakeup.notify();
    await this.upstream.cancel(reason);
  }
}
