/**
 * The record shapes that flow between connectors and stages: a Kafka record as read, a
 * fetched batch of them, and what a decoding stage makes of one. Pure types and helpers,
 * so the Cassandra connector, the stages and the graphs may name them without loading
 * kafkajs (src/connectors/kafka turns kafkajs messages into them).
 */
import { BadInputError, messageOf } from '../errors.js';
import type { Ack } from './chunk.js';

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

/** A record decoded into a value; the record stays reachable for its metadata. */
export interface Valid<T> {
  /** Always `true`: tells a valid record from an invalid one. */
  readonly ok: true;
  /** The decoded (and validated) value. */
  readonly value: T;
  /** The record it was decoded from. */
  readonly record: KafkaRecord;
}

/** A record that could not be decoded or validated: it goes to the dead letter. */
export interface Invalid {
  /** Always `false`. */
  readonly ok: false;
  /** Why it was rejected, with the stage and the record's coordinates. */
  readonly error: BadInputError;
  /** The record as it was read. */
  readonly record: KafkaRecord;
}

/** What a decoding stage emits: `deadLetter` passes the valid ones on and parks the rest. */
export type Decoded<T> = Valid<T> | Invalid;

/** What was thrown while decoding or checking `record`, as a BadInputError naming the stage and the record's coordinates. */
export function badInputAt(error: unknown, record: KafkaRecord, stage: string): BadInputError {
  const where = { stage, topic: record.topic, partition: record.partition, offset: record.offset };
  return error instanceof BadInputError
    ? new BadInputError(error.message, { ...where, cause: error.cause ?? error })
    : new BadInputError(`invalid value: ${messageOf(error)}`, { ...where, cause: error });
}
