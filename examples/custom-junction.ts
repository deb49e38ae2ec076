// A junction of your own, written with the stage author's kit (`dendrites/stage`): it routes
// each element to exactly one of its outputs (Akka's Partition). It holds one upstream chunk,
// split by output, and pulls the next only once every output has taken its share, so the
// slowest output sets the pace. An element keeps its own ack on the output it goes to.
// Run: npx tsx examples/custom-junction.ts
import { collect, fromArray, graph, type Junction } from 'dendrites';
import { type Chunk, ChunkBuilder, defineJunction, positiveInteger, type Pull, sliceChunk, Wakeup } from 'dendrites/stage';

/**
 * Emits each element on output `route(element)` (0 ≤ route < n).
 *
 * - Emits when: the output the element is routed to pulls.
 * - Backpressures when: an output has not taken its share of the current chunk.
 * - Completes when: upstream completes (each output after taking what remains).
 * - Fails when: upstream fails, or `route` throws or returns no valid output.
 * - Cancels when: any output cancels: upstream is cancelled at once, and what the cancelled
 *   output had not taken is never acknowledged (so Kafka redelivers it; nothing is committed
 *   for a branch that did not process it).
 */
export function partition<T>(n: number, route: (element: T) => number): Junction<[T], T[]> {
  const outputs = positiveInteger('partition', 'n', n, 1);
  return defineJunction<[T], T[]>('partition', 1, outputs, ([upstream], ctx) => {
    // Per-run state.
    const shares: Chunk<T>[] = new Array<Chunk<T>>(outputs).fill({ items: [] });
    const changed = new Wakeup();
    let fetching: Promise<void> | undefined;
    let end: { error?: unknown } | undefined; // set when upstream completed, failed or was cancelled

    const fetch = async (): Promise<void> => {
      try {
        const chunk = await upstream.pull(ctx.inputBuffer);
        if (chunk === undefined) end = {};
        else {
          const split = Array.from({ length: outputs }, () => new ChunkBuilder<T>());
          chunk.items.forEach((item, i) => {
            const k = route(item);
            if (!Number.isInteger(k) || k < 0 || k >= outputs) throw new RangeError(`route gave ${k} for an element; outputs are 0..${outputs - 1}`);
            split[k].push(item, chunk.acks?.[i]);
          });
          split.forEach((b, k) => (shares[k] = b.take()));
        }
      } catch (error) {
        end = { error };
      }
      fetching = undefined;
      changed.notify();
    };

    const outlet = (k: number): Pull<T> => ({
      async pull(max) {
        for (;;) {
          const share = shares[k];
          if (share.items.length > 0) {
            shares[k] = sliceChunk(share, max, share.items.length);
            return sliceChunk(share, 0, max);
          }
          if (end?.error !== undefined) throw end.error;
          if (end !== undefined) return undefined;
          // Every output has taken its share: fetch the next chunk (one fetch at a time).
          if (shares.every((s) => s.items.length === 0)) fetching ??= fetch();
          await changed.wait();
        }
      },
      async cancel(reason) {
        end ??= {};
        changed.notify();
        await upstream.cancel(reason);
      },
    });
    return Array.from({ length: outputs }, (_, k) => outlet(k));
  });
}

const g = graph((b) => {
  const byParity = b.add(partition(2, (x: number) => x % 2), 'byParity');
  b.connect(fromArray([1, 2, 3, 4, 5, 6, 7]), byParity);
  const evens = b.add(collect<number>(), 'evens');
  const odds = b.add(collect<number>(), 'odds');
  b.connect(byParity.out(0), evens);
  b.connect(byParity.out(1), odds);
  return { evens, odds };
});
const { evens, odds } = await g.run().done;
console.log(`evens: ${evens.join(' ')}; odds: ${odds.join(' ')}`);
