// A stand-in for a kafkajs client whose producer keeps what it was sent, for UNIT tests of
// the sinks' dead-lettering (which records, which headers). Producing to a real broker:
// test/integration/cqrs-record-errors.test.ts.
import type { Kafka, Message } from 'kafkajs';
import type { KafkaRecord } from '../../../src/core/records.js';

export interface Sent {
  readonly topic: string;
  readonly message: Message;
}

export interface FakeKafka {
  readonly kafka: Kafka;
  readonly sent: Sent[];
  /** Producers created and connected so far. */
  readonly connects: () => number;
}

/** A kafkajs client whose producers record every message; `failWith` makes every send reject. */
export function fakeKafka(failWith?: Error): FakeKafka {
  const sent: Sent[] = [];
  let connects = 0;
  const producer = () => ({
    connect: async () => {
      connects++;
    },
    sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: Message[] }[] }) => {
      if (failWith !== undefined) throw failWith;
      for (const t of topicMessages) for (const message of t.messages) sent.push({ topic: t.topic, message });
      return [];
    },
    disconnect: async () => undefined,
  });
  return { kafka: { producer } as unknown as Kafka, sent, connects: () => connects };
}

/** A Kafka record as kafkaSource reads it. */
export function kafkaRecord(topic: string, partition: number, offset: number, value: string): KafkaRecord {
  return { topic, partition, offset: String(offset), key: Buffer.from(`key-${offset}`), value: Buffer.from(value), timestamp: '1700000000000', headers: { origin: 'test' } };
}

/** A header of a produced message, as a string. */
export function header(message: Message, name: string): string | undefined {
  const v = message.headers?.[name];
  return v === undefined ? undefined : String(v);
}
