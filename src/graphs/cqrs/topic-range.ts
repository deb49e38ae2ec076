/**
 * Reads a range of offsets of every partition of a topic, once, without committing
 * anything: a kafkajs consumer in a throwaway group (deleted afterwards) that seeks each
 * partition to its start and stops at its end. What reconcile reads Kafka with.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { KafkaError, messageOf } from '../../errors.js';
import { toKafkaRecord } from '../../connectors/kafka/records.js';
import type { KafkaRecord } from '../../core/records.js';

/** Offsets [from, to) of one partition. */
export interface PartitionRange {
  /** The partition. */
  readonly partition: number;
  /** The first offset read. */
  readonly from: number;
  /** The offset after the last one read. */
  readonly to: number;
}

/**
 * Calls `each` with every record of `ranges`, a batch at a time (the next batch is fetched
 * only when `each` has resolved: memory stays at one batch). Resolves when every range is read.
 */
export async function readRanges(kafka: Kafka, topic: string, ranges: readonly PartitionRange[], each: (records: readonly KafkaRecord[]) => Promise<void>): Promise<void> {
  const open = new Map(ranges.filter((r) => r.to > r.from).map((r) => [r.partition, r]));
  if (open.size === 0) return;
  const groupId = `dendrites-reconcile-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(new KafkaError(`reading ${topic} failed: ${messageOf(payload.error)}`, { topic, cause: payload.error, retriable: true }));
  });
  try {
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          const range = open.get(batch.partition);
          if (range === undefined) return;
          const inRange = batch.messages.filter((m: KafkaMessage) => Number(m.offset) >= range.from && Number(m.offset) < range.to);
          try {
            if (inRange.length > 0) await each(inRange.map((m) => toKafkaRecord(topic, batch.partition, m)));
          } catch (error) {
            fail(error); // the caller's error, as it is
            return;
          }
          await heartbeat();
          if (Number(batch.lastOffset()) >= range.to - 1) {
            open.delete(batch.partition);
            consumer.pause([{ topic, partitions: [batch.partition] }]);
            if (open.size === 0) finish();
          }
        },
      });
      for (const r of open.values()) consumer.seek({ topic, partition: r.partition, offset: String(r.from) });
    } catch (error) {
      throw new KafkaError(`reading ${topic} failed: ${messageOf(error)}`, { topic, cause: error, retriable: true });
    }
    await done;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin.connect().then(() => admin.deleteGroups([groupId])).catch(() => undefined).finally(() => admin.disconnect());
  }
}
