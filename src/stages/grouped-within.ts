import type { Ack, Chunk } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';
import type { Pull, StageContext } from '../core/stage.js';
import { nonNegative, positiveInteger } from '../core/options.js';
import { ConfigError } from '../errors.js';

/** The options of `groupedWithin`. */
export interface GroupedWithinOptions {
  /** The most elements in a group; a positive whole number. Required. */
  readonly size: number;
  /** How long the first element of a group waits for the others, ms (≥ 0). Required. */
  readonly windowMs: number;
}

type Pulled<T> = { readonly chunk: Chunk<T> | undefined } | { readonly error: unknown };

/**
 * Groups elements into arrays of up to `size`, emitting a group when it is full or `windowMs`
 * after its first element arrived, whichever comes first. Acknowledging a group
 * acknowledges every member. It fills a group only while downstream waits for one.
 *
 * - Emits when: the group being filled has `size` elements, or `windowMs` have passed since its
 *   first element (and it is not empty), or upstream completed with a group not empty.
 * - Backpressures when: downstream backpressures (it then holds at most one group).
 * - Completes when: upstream completes and the last group has been emitted.
 * - Fails when: upstream fails.
 * - Cancels when: downstream cancels.
 */
export function groupedWithin<T>(options: GroupedWithinOptions): Flow<T, T[]> {
  if (options === null || typeof options !== 'object') throw new ConfigError(`groupedWithin takes an options object { size, windowMs }, got ${String(options)}`, { stage: 'groupedWithin' });
  for (const option of ['size', 'windowMs'] as const) {
    if (options[option] === undefined) throw new ConfigError(`groupedWithin: ${option} is required`, { stage: 'groupedWithin' });
  }
  const size = positiveInteger('groupedWithin', 'size', options.size, 1);
  const ms = nonNegative('groupedWithin', 'windowMs', options.windowMs, 0);
  return defineFlow<T, T[]>('groupedWithin', (upstream, ctx) => {
    const grouper = new Grouper<T>(upstream, ctx, size, ms);
    return { pull: () => grouper.pull(), cancel: (reason) => upstream.cancel(reason) };
  });
}

class Grouper<T> {
  #items: T[] = [];
  #acks: (Ack | undefined)[] = [];
  #deadline = 0; // when the group being filled must go, if it is not empty
  #pending: Promise<Pulled<T>> | undefined; // the upstream pull outstanding, carried over a timeout
  #upstreamDone = false;

  constructor(
    private readonly upstream: Pull<T>,
    private readonly ctx: StageContext,
    private readonly size: number,
    private readonly ms: number,
  ) {}

  async pull(): Promise<Chunk<T[]> | undefined> {
    for (;;) {
      if (this.#items.length >= this.size) return this.#emit();
      if (this.#upstreamDone) return this.#items.length > 0 ? this.#emit() : undefined;
      const wait = this.#items.length === 0 ? Infinity : this.#deadline - performance.now();
      if (wait <= 0) return this.#emit();
      this.#pending ??= this.upstream.pull(this.size - this.#items.length).then(
        (chunk) => ({ chunk }),
        (error: unknown) => ({ error }),
      );
      const pulled = await this.#within(this.#pending, wait);
      if (pulled === undefined) return this.#emit(); // the group's time is up
      this.#pending = undefined;
      if ('error' in pulled) throw pulled.error;
      if (pulled.chunk === undefined) {
        this.#upstreamDone = true;
        continue;
      }
      if (this.#items.length === 0) this.#deadline = performance.now() + this.ms;
      const { items, acks } = pulled.chunk;
      for (let i = 0; i < items.length; i++) {
        this.#items.push(items[i]);
        this.#acks.push(acks?.[i]);
      }
    }
  }

  /** The pull's outcome, or undefined when `ms` pass first (or the run aborts). */
  #within(pending: Promise<Pulled<T>>, ms: number): Promise<Pulled<T> | undefined> {
    if (ms === Infinity) return pending;
    const signal = this.ctx.signal;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([pending, timeout]).finally(() => {
      clearTimeout(timer);
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    });
  }

  /** Emits the first `size` elements as a group; the rest start the next group. */
  #emit(): Chunk<T[]> {
    const group = this.#items.splice(0, this.size);
    const members = this.#acks.splice(0, this.size);
    if (this.#items.length > 0) this.#deadline = performance.now() + this.ms;
    if (members.every((a) => a === undefined)) return { items: [group] };
    let acked = false;
    const ack = (): void => {
      if (acked) return;
      acked = true;
      for (const a of members) a?.();
    };
    return { items: [group], acks: [ack] };
  }
}
