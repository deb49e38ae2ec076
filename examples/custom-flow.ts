// A flow of your own, written with the stage author's kit (`dendrites/stage`): it groups
// elements into batches of `size`. The pull protocol is the whole contract: it pulls from
// upstream only when its own downstream pulls (backpressure), and a batch's acknowledgement
// acknowledges each of its members (so a Kafka offset is committed only once the batch is done).
// Run: npx tsx examples/custom-flow.ts
import { type Flow, forEach, fromArray } from 'dendrites';
import { type Ack, type Chunk, ackAll, chunkOf, defineFlow, positiveInteger } from 'dendrites/stage';

/**
 * Emits arrays of `size` elements (the last one may be shorter).
 *
 * - Emits when: `size` elements have arrived, or upstream completed with some left.
 * - Backpressures when: downstream backpressures (it holds at most one batch).
 * - Completes when: upstream completes and the last batch is emitted.
 * - Fails when: upstream fails.
 * - Cancels when: downstream cancels.
 */
export function batches<T>(size: number): Flow<T, T[]> {
  const n = positiveInteger('batches', 'size', size, 1); // a ConfigError now, not mid-stream
  return defineFlow<T, T[]>('batches', (upstream) => {
    // Per-run state: the definition can run again, or twice in one graph.
    let completed = false;
    return {
      async pull(): Promise<Chunk<T[]> | undefined> {
        const items: T[] = [];
        const acks: Ack[] = [];
        while (!completed && items.length < n) {
          const chunk = await upstream.pull(n - items.length);
          if (chunk === undefined) completed = true;
          else {
            items.push(...chunk.items);
            if (chunk.acks !== undefined) acks.push(...chunk.acks);
          }
        }
        if (items.length === 0) return undefined;
        // One element out, one ack for it: calling it acknowledges every member.
        return acks.length === 0 ? chunkOf([items]) : chunkOf([items], [() => ackAll(chunkOf(items, acks))]);
      },
      cancel: (reason) => upstream.cancel(reason),
    };
  });
}

const sizes: number[] = [];
await fromArray(Array.from({ length: 10 }, (_, i) => i))
  .via(batches(4))
  .runWith(forEach(async (batch) => void sizes.push(batch.length))).done;
console.log(`batch sizes: ${sizes.join(' ')}`);
