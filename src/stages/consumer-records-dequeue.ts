import type { Ack, Chunk } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';
import type { ConsumerRecords, KafkaRecord } from '../core/records.js';

/**
 * Turns `ConsumerRecords` batches (from `kafkaSource`) into single records: one record per
 * demand (a chunk of up to the downstream's `max`), each with its own acknowledgement.
 * It holds one batch and pulls the next only when the current one has been handed
 * downstream entirely. Records of a batch whose partition was revoked meanwhile
 * (`live()` is false) are dropped, unacknowledged: the partition's new owner reads them
 * again from the committed offset. When every record of a batch is acknowledged, the
 * batch's own acknowledgement (if the upstream chunk had one) is called too.
 *
 * - Emits when: downstream pulls and the current batch has records left.
 * - Backpressures when: downstream backpressures.
 * - Completes when: upstream completes and the current batch is handed out, or the run is
 *   stopped (`stop()`): the rest of the current batch is then left unacknowledged, to be
 *   read again from the committed offset, so stopping never waits for a whole batch.
 * - Fails when: upstream fails.
 * - Cancels when: downstream cancels.
 */
export function consumerRecordsDequeue(): Flow<ConsumerRecords, KafkaRecord> {
  return defineFlow<ConsumerRecords, KafkaRecord>('consumerRecordsDequeue', (upstream, ctx) => {
    const batches: { batch: ConsumerRecords; acks: readonly Ack[] }[] = [];
    let next = 0; // index of the next record of batches[0] to hand out
    return {
      async pull(max) {
        for (;;) {
          if (ctx.isDraining()) {
            const left = batches.reduce((n, b) => n + b.batch.records.length, 0) - next;
            ctx.metrics.dropped += left;
            batches.length = 0;
            next = 0;
            return undefined;
          }
          const head = batches[0];
          if (head === undefined) {
            const chunk = await upstream.pull(1);
            if (chunk === undefined) return undefined;
            enqueue(chunk);
            continue;
          }
          const { batch, acks } = head;
          if (next >= batch.records.length || !batch.live()) {
            if (next < batch.records.length) ctx.metrics.dropped += batch.records.length - next;
            batches.shift();
            next = 0;
            continue;
          }
          const end = Math.min(batch.records.length, next + max);
          const items = batch.records.slice(next, end);
          const out = acks.slice(next, end);
          next = end;
          return { items, acks: out };
        }
      },
      cancel: (reason) => upstream.cancel(reason),
    };

    function enqueue(chunk: Chunk<ConsumerRecords>): void {
      chunk.items.forEach((batch, i) => {
        const whole = chunk.acks?.[i];
        batches.push({ batch, acks: whole === undefined ? batch.acks : joinAcks(batch.acks, whole) });
      });
    }
  });
}

/** Per-record acks that also call `whole` once every record has been acknowledged. */
function joinAcks(acks: readonly Ack[], whole: Ack): Ack[] {
  let left = acks.length;
  if (left === 0) whole();
  return acks.map((ack) => {
    let called = false;
    return () => {
      ack();
      if (called) return;
      called = true;
      if (--left === 0) whole();
    };
  });
}
