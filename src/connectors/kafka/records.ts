import type { KafkaMessage } from 'kafkajs';
import type { Ack } from '../../core/chunk.js';

/** Kafka record headers as the broker returns them. */
export type KafkaHeaders = Readonly<Record<string, Buffer | string | readonly (Buffer | string)[] | undefined>>;

/** One record read from Kafka, with its coordinates. */
export interface KafkaRecord {
  /** The topic it was read from. */
  readonly topic: string;
  /** Its partition. */
  readonly partition: number;
  /** The record's offset, a decimal string (Kafka offsets are 64-bit). */
  readonly offset: string;
  /** The record key, as bytes. */
  readonly key: Buffer | null;
  /** The record value, as bytes; `null` for a tombstone. */
  readonly value: Buffer | null;
  /** ms since the epoch, a decimal string (as kafkajs gives it). */
  readonly timestamp: string;
  /** The record headers. */
  readonly headers: KafkaHeaders;
}

/**
 * The records of one fetched batch of one partition. `acks[i]` acknowledges `records[i]`
 * into the source's offset tracker. `live()` turns false when the partition was revoked
 * since the batch was emitted: its remaining records must not be emitted further, and
 * acknowledging them has no effect.
 */
export interface ConsumerRecords {
  /** The topic of the batch. */
  readonly topic: string;
  /** Its partition. */
  readonly partition: number;
  /** The records, in offset order. */
  readonly records: readonly KafkaRecord[];
  /** `acks[i]` acknowledges `records[i]`. */
  readonly acks: readonly Ack[];
  /** False once the partition was revoked since the batch was emitted. */
  readonly live: () => boolean;
}

export function toKafkaRecord(topic: string, partition: number, m: KafkaMessage): KafkaRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    timestamp: m.timestamp,
    headers: m.headers ?? {},
  };
}

/** A header value as a string (the first one when repeated), or undefined. */
export function headerString(headers: KafkaHeaders, name: string): string | undefined {
  const v = headers[name];
  const first = Array.isArray(v) ? (v as readonly (Buffer | string)[])[0] : (v as Buffer | string | undefined);
  return first === undefined ? undefined : first.toString();
}
