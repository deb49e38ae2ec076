// Instruments shared by the engine's tests: sources that count what they produce, stages
// that count their teardowns, and small timing helpers.
import { type Ack, defineFlow, defineSource, type Flow, type Source } from 'dendrites';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface CountingSource {
  readonly source: Source<number>;
  /** Elements handed out so far (0, 1, 2, ... in order). */
  readonly produced: () => number;
  /** How many times it was pulled. */
  readonly pulls: () => number;
  /** Teardowns run (should end at exactly 1 per run). */
  readonly closed: () => number;
  /** Acks called per element, when the source tracks acks. */
  readonly acked: Map<number, number>;
  /** Reasons it was cancelled with. */
  readonly cancels: unknown[];
}

/**
 * A fast source of 0, 1, 2, ... (`count` of them, or endless), giving each pull all it
 * asks for. With `acks`, every element carries an acknowledgement counted in `acked`
 * (and `onAck` sees it). It completes when the run is stopped.
 */
export function countingSource(options: { count?: number; acks?: boolean; onAck?: (item: number) => void } = {}): CountingSource {
  const count = options.count ?? Infinity;
  let produced = 0;
  let pulls = 0;
  let closed = 0;
  const acked = new Map<number, number>();
  const cancels: unknown[] = [];
  const source = defineSource<number>('counting', (ctx) => {
    let finished = false;
    ctx.onClose(() => void closed++);
    return {
      async pull(max) {
        pulls++;
        if (finished || ctx.draining.aborted || produced >= count) return undefined;
        const n = Math.min(max, count - produced);
        const items = Array.from({ length: n }, (_, i) => produced + i);
        produced += n;
        if (options.acks !== true) return { items };
        const acks: Ack[] = items.map((item) => () => {
          acked.set(item, (acked.get(item) ?? 0) + 1);
          options.onAck?.(item);
        });
        return { items, acks };
      },
      async cancel(reason) {
        cancels.push(reason);
        finished = true;
      },
    };
  });
  return { source, produced: () => produced, pulls: () => pulls, closed: () => closed, acked, cancels };
}

/** How often each of elements 0..count-1 was acknowledged, from a CountingSource's `acked`. */
export function ackCounts(acked: ReadonlyMap<number, number>, count: number): number[] {
  return Array.from({ length: count }, (_, i) => acked.get(i) ?? 0);
}

/** A pass-through flow that counts its teardowns, and can be made to throw on an element. */
export function tracked<T>(counter: { closed: number }, failOn?: (item: T) => boolean): Flow<T, T> {
  return defineFlow<T, T>('tracked', (upstream, ctx) => {
    ctx.onClose(() => void counter.closed++);
    return {
      async pull(max) {
        const chunk = await upstream.pull(max);
        if (chunk !== undefined && failOn !== undefined) for (const item of chunk.items) if (failOn(item)) throw new Error(`boom at ${String(item)}`);
        return chunk;
      },
      cancel: (reason) => upstream.cancel(reason),
    };
  });
}

/** A source of the given items that fails with `error` after them. */
export function failingSource<T>(items: readonly T[], error: unknown): Source<T> {
  return defineSource<T>('failing', () => {
    let given = false;
    return {
      async pull() {
        if (given) throw error;
        given = true;
        return { items };
      },
      async cancel() {},
    };
  });
}
