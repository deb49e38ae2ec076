import { type Ack, type Chunk, ChunkBuilder } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';
import type { Pull, StageContext } from '../core/stage.js';
import { ConfigError } from '../errors.js';
import { positiveInteger } from '../core/options.js';
import { Wakeup } from '../core/wakeup.js';

/** The options of `mapAsync`. */
export interface MapAsyncOptions {
  /**
   * How many calls of `f` may be in flight at once. It is also the most elements the stage
   * holds (running, or finished and waiting for their turn). Default 1.
   */
  readonly parallelism?: number;
  /** `true`: emit results in input order; `false`: in the order the calls finish. Default `true`. */
  readonly ordered?: boolean;
}

/** What `f` gets besides the element. */
export interface MapAsyncCallContext {
  /** Aborted when the run fails or is aborted: give up. */
  readonly signal: AbortSignal;
}

/**
 * Transforms each element with an async function, with at most `parallelism` calls in
 * flight. While it holds fewer than `parallelism` elements it pulls upstream ahead, so the
 * calls overlap. An element's acknowledgement travels with its result.
 *
 * - Emits when: ordered, the call for the oldest element held has resolved; unordered,
 *   any call has resolved.
 * - Backpressures when: `parallelism` elements are held (in flight or waiting for their
 *   turn) and downstream does not pull.
 * - Completes when: upstream completes and every result has been emitted (this is how
 *   `stop()` drains the calls in flight).
 * - Fails when: a call of `f` throws or rejects (the run fails at once, the element is not
 *   acknowledged), or upstream fails.
 * - Cancels when: downstream cancels (the results of calls still in flight are dropped).
 */
export function mapAsync<I, O>(f: (item: I, context: MapAsyncCallContext) => O | PromiseLike<O>, options: MapAsyncOptions = {}): Flow<I, O> {
  const parallelism = positiveInteger('mapAsync', 'parallelism', options.parallelism, 1);
  const ordered = options.ordered ?? true;
  if (typeof ordered !== 'boolean') throw new ConfigError(`mapAsync: ordered must be true or false, got ${String(ordered)}`, { stage: 'mapAsync' });
  return defineFlow<I, O>('mapAsync', (upstream, ctx) => new AsyncMapper(upstream, ctx, f, parallelism, ordered).outlet);
}

interface Slot<O> {
  done: boolean;
  value: O | undefined;
  readonly ack: Ack | undefined;
}

/** The per-run state of one mapAsync stage. */
class AsyncMapper<I, O> {
  readonly outlet: Pull<O>;
  readonly #slots: Slot<O>[] = []; // ordered: every slot held, in input order; unordered: finished slots
  readonly #wakeup = new Wakeup();
  readonly #call: MapAsyncCallContext;
  #held = 0; // elements taken from upstream and not yet emitted
  #pulling = false;
  #upstreamDone = false;
  #stopped = false; // cancelled, or the run is over
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly upstream: Pull<I>,
    private readonly ctx: StageContext,
    private readonly f: (item: I, context: MapAsyncCallContext) => O | PromiseLike<O>,
    private readonly parallelism: number,
    private readonly ordered: boolean,
  ) {
    this.#call = { signal: ctx.signal };
    this.outlet = { pull: (max) => this.#pull(max), cancel: (reason) => this.#cancel(reason) };
    ctx.onClose(() => {
      this.#stopped = true;
      this.#wakeup.notify();
    });
  }

  async #pull(max: number): Promise<Chunk<O> | undefined> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#stopped) return undefined;
      const out = this.#take(max);
      this.#fill();
      if (out !== undefined) return out;
      if (this.#upstreamDone && this.#held === 0) return undefined;
      await this.#wakeup.wait();
    }
  }

  /** Takes up to `max` results that may be emitted now. */
  #take(max: number): Chunk<O> | undefined {
    const out = new ChunkBuilder<O>();
    const slots = this.#slots;
    let n = 0;
    while (n < max && n < slots.length && slots[n].done) {
      out.push(slots[n].value as O, slots[n].ack);
      n++;
    }
    if (n === 0) return undefined;
    slots.splice(0, n);
    this.#held -= n;
    return out.take();
  }

  /** Pulls upstream ahead while fewer than `parallelism` elements are held. */
  #fill(): void {
    if (this.#pulling || this.#upstreamDone || this.#stopped || this.#failure !== undefined) return;
    const free = this.parallelism - this.#held;
    if (free <= 0) return;
    this.#pulling = true;
    this.upstream.pull(free).then(
      (chunk) => {
        this.#pulling = false;
        if (chunk === undefined) this.#upstreamDone = true;
        else for (let i = 0; i < chunk.items.length; i++) this.#start(chunk.items[i], chunk.acks?.[i]);
        this.#fill();
        this.#wakeup.notify();
      },
      (error: unknown) => {
        this.#pulling = false;
        this.#failure ??= { error };
        this.#wakeup.notify();
      },
    );
  }

  #start(item: I, ack: Ack | undefined): void {
    const slot: Slot<O> = { done: false, value: undefined, ack };
    this.#held++;
    if (this.ordered) this.#slots.push(slot);
    const finish = (value: O): void => {
      slot.value = value;
      slot.done = true;
      if (!this.ordered) this.#slots.push(slot);
      this.#wakeup.notify();
    };
    const fail = (error: unknown): void => {
      if (this.#failure !== undefined) return;
      this.#failure = { error };
      this.ctx.fail(error);
      this.#wakeup.notify();
    };
    try {
      Promise.resolve(this.f(item, this.#call)).then(finish, fail);
    } catch (error) {
      fail(error);
    }
  }

  async #cancel(reason: unknown): Promise<void> {
    this.#stopped = true;
    this.#wakeup.notify();
    await this.upstream.cancel(reason);
  }
}
