/**
 * Elements move through the engine in chunks: an array of items and, when the source
 * tracks delivery (Kafka), a parallel array of acknowledgements. The public API is per
 * element; chunks only amortise the cost of each pull.
 */

/** Says an element has been fully processed. Calling it twice is harmless. */
export type Ack = () => void;

/** Up to `max` elements that one pull delivers, with their acknowledgements when they are tracked. */
export interface Chunk<T> {
  /** The elements, in order. */
  readonly items: readonly T[];
  /** When present, `acks[i]` acknowledges `items[i]`; same length as `items`. */
  readonly acks?: readonly Ack[];
}

/** A chunk of `items`, with `acks` when given (same length as `items`). */
export function chunkOf<T>(items: readonly T[], acks?: readonly Ack[]): Chunk<T> {
  return acks === undefined ? { items } : { items, acks };
}

/** Acknowledges every element of a chunk (a sink that has processed it, a filter that dropped it). */
export function ackAll(chunk: Chunk<unknown>): void {
  const acks = chunk.acks;
  if (acks !== undefined) for (let i = 0; i < acks.length; i++) acks[i]();
}

/** Acknowledges element i of a chunk, if it is tracked. */
export function ackAt(chunk: Chunk<unknown>, i: number): void {
  const acks = chunk.acks;
  if (acks !== undefined) acks[i]();
}

/** Items `start` to `end` (exclusive) of a chunk with their acknowledgements; the chunk itself when that is all of it. */
export function sliceChunk<T>(chunk: Chunk<T>, start: number, end: number): Chunk<T> {
  if (start === 0 && end >= chunk.items.length) return chunk;
  const items = chunk.items.slice(start, end);
  return chunk.acks === undefined ? { items } : { items, acks: chunk.acks.slice(start, end) };
}

/** Maps the items of a chunk 1:1; acknowledgements travel with their elements. */
export function mapChunk<T, U>(chunk: Chunk<T>, f: (item: T) => U): Chunk<U> {
  const src = chunk.items;
  const items = new Array<U>(src.length);
  for (let i = 0; i < src.length; i++) items[i] = f(src[i]);
  return chunk.acks === undefined ? { items } : { items, acks: chunk.acks };
}

/**
 * Collects chunks into one up to a bound. Items without acknowledgements get a no-op
 * one once any tracked item joins, so the arrays stay parallel.
 */
export class ChunkBuilder<T> {
  /** The items collected so far. */
  items: T[] = [];
  /** Their acknowledgements, once any collected item is tracked; `undefined` until then. */
  acks: Ack[] | undefined = undefined;

  /** How many items have been collected. */
  get length(): number {
    return this.items.length;
  }

  /** Adds one item, with its acknowledgement if it is tracked. */
  push(item: T, ack?: Ack): void {
    if (ack !== undefined && this.acks === undefined) this.acks = this.items.map(() => noAck);
    this.items.push(item);
    if (this.acks !== undefined) this.acks.push(ack ?? noAck);
  }

  /** Takes what was collected and starts empty again. */
  take(): Chunk<T> {
    const out = chunkOf(this.items, this.acks);
    this.items = [];
    this.acks = undefined;
    return out;
  }
}

/** An acknowledgement that does nothing: the stand-in for an untracked element among tracked ones. */
export const noAck: Ack = () => {};

/**
 * Splits one acknowledgement into `n` (fan-out): `done` fires once all `n` have been
 * called. Each of the `n` counts once, however often it is called.
 */
export function splitAck(n: number, done: Ack): Ack[] {
  let left = n;
  const acks = new Array<Ack>(n);
  for (let k = 0; k < n; k++) {
    let called = false;
    acks[k] = () => {
      if (called) return;
      called = true;
      if (--left === 0) done();
    };
  }
  return acks;
}
