import type { Ack, Chunk } from './chunk.js';
import type { StageMetrics } from './metrics.js';
import type { Pull, StageContext } from './stage.js';

/** Hands one element, with its acknowledgement when tracked, to the next stage of a chain. */
export type Emit<T> = (item: T, ack: Ack | undefined) => void;

/** Where a step stage's output goes. */
export interface StepOutput<O> {
  /** Passes an element on. */
  readonly emit: Emit<O>;
  /** Drops an element: it counts as processed (its acknowledgement is called). */
  readonly drop: (ack: Ack | undefined) => void;
}

/**
 * Opens a step stage for one run: given where its output goes, returns what it does
 * with each element. It must name itself (`inStage(error, ctx.name)`) in what it throws.
 */
export type OpenStep<I, O> = (ctx: StageContext, out: StepOutput<O>) => Emit<I>;

/** One stage of a chain: how it opens, and the counters it keeps. */
interface Link {
  readonly open: OpenStep<unknown, unknown>;
  readonly ctx: StageContext;
  dropped: number;
}

/**
 * A chain of step stages (map, filter: synchronous, at most one element out per element
 * in) run as one loop per chunk, as Akka fuses stages: one pull, one promise and one
 * output array per chunk for the whole chain, and each element passes from stage to
 * stage by a direct call. Every stage keeps its name in errors and its own in/out
 * counters. The runtime appends a step stage to the chain of its upstream when that
 * upstream is a step stage too; the chain is put together on its first pull.
 */
export class FusedPull implements Pull<unknown> {
  readonly #links: Link[] = [];
  #head: Emit<unknown> | undefined;
  // The chunk being filled: its arrays are sized for the input chunk and cut to `#filled`.
  #items: unknown[] = [];
  #acks: Ack[] = [];
  #filled = 0;

  constructor(
    private readonly upstream: Pull<unknown>,
    open: OpenStep<unknown, unknown>,
    ctx: StageContext,
  ) {
    this.append(open, ctx);
  }

  /** Adds a step stage after the last one: the chain's output is now its output. */
  append(open: OpenStep<unknown, unknown>, ctx: StageContext): void {
    this.#links.push({ open, ctx, dropped: 0 });
  }

  pull(max: number): Promise<Chunk<unknown> | undefined> {
    // The chain is put together on the first pull, here rather than in the loop below: V8
    // collects no type feedback on a function's first calls, so a first-pull-only branch
    // inside the hot loop's function would throw its optimised code away on every run.
    this.#head ??= this.#build();
    return this.#pull(this.#head, max);
  }

  async #pull(head: Emit<unknown>, max: number): Promise<Chunk<unknown> | undefined> {
    for (;;) {
      const chunk = await this.upstream.pull(max);
      if (chunk === undefined) return undefined;
      const { items, acks } = chunk;
      this.#items = new Array<unknown>(items.length);
      this.#filled = 0;
      if (acks === undefined) {
        for (let i = 0; i < items.length; i++) head(items[i], undefined);
      } else {
        this.#acks = new Array<Ack>(items.length);
        for (let i = 0; i < items.length; i++) head(items[i], acks[i]);
        this.#acks.length = this.#filled;
      }
      this.#items.length = this.#filled;
      this.#count(items.length);
      if (this.#filled > 0) return acks === undefined ? { items: this.#items } : { items: this.#items, acks: this.#acks };
    }
  }

  cancel(reason?: unknown): Promise<void> {
    return this.upstream.cancel(reason);
  }

  /** Opens the stages from the last to the first, each handing on to the one after it. */
  #build(): Emit<unknown> {
    let next: Emit<unknown> = (item, ack) => {
      this.#items[this.#filled] = item;
      if (ack !== undefined) this.#acks[this.#filled] = ack;
      this.#filled++;
    };
    for (let k = this.#links.length - 1; k >= 0; k--) {
      const link = this.#links[k];
      const drop = (ack: Ack | undefined): void => {
        link.dropped++;
        ack?.();
      };
      next = link.open(link.ctx, { emit: next, drop });
    }
    return next;
  }

  /**
   * Counts one chunk into every stage of the chain. The edges around the chain count its
   * first stage's in and its last stage's out, as they do for any stage.
   */
  #count(entered: number): void {
    const links = this.#links;
    let n = entered;
    for (let k = 0; k < links.length; k++) {
      const link = links[k];
      const metrics: StageMetrics = link.ctx.metrics;
      if (k > 0) metrics.in += n;
      metrics.dropped += link.dropped;
      n -= link.dropped;
      link.dropped = 0;
      if (k < links.length - 1) metrics.out += n;
    }
  }
}
