import { AckError } from '../errors.js';
import type { Ack, Chunk } from './chunk.js';
import type { StageMetrics } from './metrics.js';
import type { Emit, OpenStep, Pull, StageContext, StepOutput } from './stage.js';

/** One stage of a chain: how it opens, and its context. */
interface Link {
  readonly open: OpenStep<unknown, unknown>;
  readonly ctx: StageContext;
}

/** Where one stage of a chain puts what it emits; it counts what the stage drops. */
abstract class Output implements StepOutput<unknown> {
  dropped = 0;

  abstract emit(item: unknown, ack: Ack | undefined): void;

  drop(ack: Ack | undefined): void {
    this.dropped++;
    ack?.();
  }
}

/** A step stage's output when another step stage follows it: a direct call. */
class Handoff extends Output {
  constructor(private readonly next: Emit<unknown>) {
    super();
  }

  emit(item: unknown, ack: Ack | undefined): void {
    this.next(item, ack);
  }
}

/** The chain's last output: the chunk being filled, its arrays sized for the input chunk. */
class ChunkFill extends Output {
  items: unknown[] = [];
  acks: Ack[] = [];
  filled = 0;
  /** Elements emitted with an ack: below `filled` for a tracked chunk when a step lost an ack. */
  acked = 0;

  start(length: number, tracked: boolean): void {
    this.items = new Array<unknown>(length);
    if (tracked) this.acks = new Array<Ack>(length);
    this.filled = 0;
    this.acked = 0;
  }

  emit(item: unknown, ack: Ack | undefined): void {
    this.items[this.filled] = item;
    if (ack !== undefined) {
      this.acks[this.filled] = ack;
      this.acked++;
    }
    this.filled++;
  }

  /** The filled chunk, or undefined when every element was dropped. */
  take(tracked: boolean): Chunk<unknown> | undefined {
    if (this.filled === 0) return undefined;
    const items = this.items;
    items.length = this.filled;
    if (!tracked) return { items };
    const acks = this.acks;
    acks.length = this.filled;
    return { items, acks };
  }
}

/** A chain opened for one run: its first stage's input, and every stage's output in order. */
interface Chain {
  readonly head: Emit<unknown>;
  readonly outputs: readonly Output[];
  readonly fill: ChunkFill;
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
  #chain: Chain | undefined;

  constructor(
    private readonly upstream: Pull<unknown>,
    open: OpenStep<unknown, unknown>,
    ctx: StageContext,
  ) {
    this.append(open, ctx);
  }

  /** Adds a step stage after the last one: the chain's output is now its output. */
  append(open: OpenStep<unknown, unknown>, ctx: StageContext): void {
    this.#links.push({ open, ctx });
  }

  pull(max: number): Promise<Chunk<unknown> | undefined> {
    // The chain is put together on the first pull, here rather than in the loop below: V8
    // collects no type feedback on a function's first calls, so a first-pull-only branch
    // inside the hot loop's function would throw its optimised code away on every run.
    this.#chain ??= this.#build();
    return this.#pull(this.#chain, max);
  }

  async #pull(chain: Chain, max: number): Promise<Chunk<unknown> | undefined> {
    const { head, fill } = chain;
    for (;;) {
      const chunk = await this.upstream.pull(max);
      if (chunk === undefined) return undefined;
      const { items, acks } = chunk;
      fill.start(items.length, acks !== undefined);
      if (acks === undefined) {
        for (let i = 0; i < items.length; i++) head(items[i], undefined);
      } else {
        for (let i = 0; i < items.length; i++) head(items[i], acks[i]);
      }
      this.#count(chain.outputs, items.length);
      if (acks !== undefined && fill.acked !== fill.filled) this.#lostAcks(fill.filled - fill.acked);
      const out = fill.take(acks !== undefined);
      if (out !== undefined) return out;
    }
  }

  cancel(reason?: unknown): Promise<void> {
    return this.upstream.cancel(reason);
  }

  /**
   * A step of the chain emitted elements without their acks although its input carried them:
   * fails the run, and this pull, with an AckError. Which step did it is not known (finding
   * out would cost a check per element), so the error names every step of the chain and
   * sets `stage` to the last, the one the chunk leaves the chain from.
   */
  #lostAcks(missing: number): never {
    const names = this.#links.map((link) => `'${link.ctx.name}'`);
    const last = this.#links[this.#links.length - 1].ctx;
    const who = names.length === 1 ? `step stage ${names[0]}` : `one of the fused step stages ${names.join(', ')}`;
    const error = new AckError(
      `${who} emitted ${missing} element${missing === 1 ? '' : 's'} without an ack, but its input carried acks: a step must hand each element's ack on (out.emit(item, ack)) or drop it (out.drop(ack)) (see docs/engine.md)`,
      { stage: last.name },
    );
    last.fail(error);
    throw error;
  }

  /** Opens the stages from the last to the first, each handing on to the one after it. */
  #build(): Chain {
    const fill = new ChunkFill();
    const outputs = new Array<Output>(this.#links.length);
    let out: Output = fill;
    for (let k = this.#links.length - 1; ; k--) {
      outputs[k] = out;
      const { open, ctx } = this.#links[k];
      const emit = open(ctx, out);
      if (k === 0) return { head: emit, outputs, fill };
      out = new Handoff(emit);
    }
  }

  /**
   * Counts one chunk into every stage of the chain. The edges around the chain count its
   * first stage's in and its last stage's out, as they do for any stage.
   */
  #count(outputs: readonly Output[], entered: number): void {
    const links = this.#links;
    let n = entered;
    for (let k = 0; k < links.length; k++) {
      const metrics: StageMetrics = links[k].ctx.metrics;
      const output = outputs[k];
      if (k > 0) metrics.in += n;
      metrics.dropped += output.dropped;
      n -= output.dropped;
      output.dropped = 0;
      if (k < links.length - 1) metrics.out += n;
    }
  }
}
