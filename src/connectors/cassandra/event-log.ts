/**
 * The event log's element type and its rows. An entry is one delivery of one event:
 * the event itself, the aggregate it belongs to, and the delivery (its timeuuid and the
 * Kafka record it came from).
 */
import { randomBytes } from 'node:crypto';
import { types } from 'cassandra-driver';
import { BadInputError } from '../../errors.js';
import type { KafkaRecord } from '../../core/records.js';
import type { CqlBatchEntry } from './client.js';
import { EVENT_LOG_BY_AGGREGATE_TABLE, EVENT_LOG_TABLE } from './schema.js';

/** A domain event as the log stores it. */
export interface LoggedEvent {
  /** The event's id (for a command's event, the command id): the same on every redelivery. */
  readonly id: string;
  /** The id of what caused it, if anything. */
  readonly parent?: string | null;
  /** What happened (e.g. `transfer-money`). */
  readonly action: string;
  /** Stored as JSON text. */
  readonly data: unknown;
  /** Event time, ms since the epoch (or a Date). */
  readonly timestamp: number | Date;
}

/** One delivery of a Kafka record. */
export interface Delivery {
  /** A timeuuid given once per delivery, before any fan-out (see `newDeliveryId`). */
  readonly id: string;
  /** The Kafka record timestamp, ms since the epoch (or a Date); it picks the bucket. */
  readonly kafkaTimestamp: number | Date;
  /** The Kafka topic the record was read from. */
  readonly topic: string;
  /** Its partition. */
  readonly partition: number;
  /** The record's offset (Kafka offsets are strings in kafkajs). */
  readonly offset: string | number | bigint;
  /**
   * The Kafka record itself, when the delivery was read from Kafka (the command graph sets
   * it): a write Cassandra refuses for its values sends it to the dead-letter topic.
   */
  readonly record?: KafkaRecord;
}

/** What `eventLogSink` writes: one delivery of one event of one aggregate. */
export interface EventLogEntry {
  /** The event. */
  readonly event: LoggedEvent;
  /** The aggregate the event belongs to (e.g. the account id); keys the history table. */
  readonly aggregateId: string;
  /** The delivery it came with. */
  readonly delivery: Delivery;
}

/** One hour, the default bucket size. */
export const DEFAULT_BUCKET_MS = 3_600_000;

/**
 * A new delivery id: a version-1 (time-based) UUID, as a string. Unique within the process
 * (the 100-ns timestamp only grows: ids made in the same millisecond take the next tick,
 * and a clock that goes back is ignored) and across processes (a random node id and clock
 * sequence drawn once per process, RFC 4122 §4.5). It reads as the driver's `TimeUuid`
 * does, but costs no random bytes, Buffer or Long per id (the driver's `TimeUuid.now()`
 * draws 8 random bytes per call).
 */
export function newDeliveryId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    ticks = 0;
  } else if (++ticks >= TICKS_PER_MS) {
    lastMs++; // 10,000 ids in one millisecond: borrow the next one
    ticks = 0;
  }
  // 100-ns units since 1582-10-15 (60 bits), split so every step stays exact in a double.
  const ms = lastMs + GREGORIAN_OFFSET_MS;
  const msHigh = Math.floor(ms / 0x10000);
  const low = (ms - msHigh * 0x10000) * TICKS_PER_MS + ticks;
  const high = msHigh * TICKS_PER_MS + Math.floor(low / 0x10000); // the value is high * 2^16 + (low mod 2^16)
  const timeLow = (high % 0x10000) * 0x10000 + (low % 0x10000);
  const upper = Math.floor(high / 0x10000);
  return `${hex(timeLow, 8)}-${hex(upper & 0xffff, 4)}-${hex(((upper >>> 16) & 0x0fff) | 0x1000, 4)}${NODE_AND_CLOCK}`;
}

const TICKS_PER_MS = 10_000;
const GREGORIAN_OFFSET_MS = 12_219_292_800_000;
let lastMs = 0;
let ticks = 0;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const NODE_AND_CLOCK = ((): string => {
  const r = randomBytes(8);
  const clock = (((r[0] & 0x3f) | 0x80) << 8) | r[1]; // variant 10, 14 random bits
  r[2] |= 0x01; // multicast bit: a random node id, not a MAC address
  return `-${hex(clock, 4)}-${r.subarray(2).toString('hex')}`;
})();

function millis(what: string, value: number | Date): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new BadInputError(`event log: ${what} is not a time: ${String(value)}`);
  return ms;
}

/** The start of the bucket `timestamp` falls in (buckets of `bucketMs`, aligned to the epoch). */
export function bucketOf(timestamp: number | Date, bucketMs: number = DEFAULT_BUCKET_MS): Date {
  const ms = millis('timestamp', timestamp);
  return new Date(Math.floor(ms / bucketMs) * bucketMs);
}

/** Every bucket start from the bucket of `from` to the bucket of `to`, inclusive (for a job scanning a time range). */
export function bucketsBetween(from: number | Date, to: number | Date, bucketMs: number = DEFAULT_BUCKET_MS): Date[] {
  const out: Date[] = [];
  const end = bucketOf(to, bucketMs).getTime();
  for (let b = bucketOf(from, bucketMs).getTime(); b <= end; b += bucketMs) out.push(new Date(b));
  return out;
}

const COLUMNS = 'bucket, event_id, delivery_id, aggregate_id, parent, action, data, event_time, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp';
const MARKERS = COLUMNS.split(',').map(() => '?').join(', ');

/** The two INSERTs of one entry: into the delivery log and into the aggregate history. */
export function eventLogInserts(keyspace: string, entry: EventLogEntry, bucketMs: number): CqlBatchEntry[] {
  const { event, delivery } = entry;
  if (typeof event?.id !== 'string' || event.id === '') throw new BadInputError('event log: the event has no id');
  if (typeof entry.aggregateId !== 'string' || entry.aggregateId === '') {
    throw new BadInputError(`event log: event ${event.id} has no aggregate id`, { key: event.id });
  }
  if (typeof delivery?.id !== 'string') throw new BadInputError(`event log: event ${event.id} has no delivery id`, { key: event.id });
  const json = JSON.stringify(event.data ?? null);
  const params = [
    bucketOf(delivery.kafkaTimestamp, bucketMs),
    event.id,
    delivery.id,
    entry.aggregateId,
    event.parent ?? null,
    event.action,
    json,
    new Date(millis('event timestamp', event.timestamp)),
    delivery.topic,
    delivery.partition,
    types.Long.fromString(String(delivery.offset)),
    new Date(millis('Kafka timestamp', delivery.kafkaTimestamp)),
  ];
  const [log, byAggregate] = insertsOf(keyspace);
  return [
    { query: log, params },
    { query: byAggregate, params },
  ];
}

/** The two INSERT texts per keyspace, built once: the same string objects on every write (cheaper for the driver's prepared-statement lookup too). */
const insertTexts = new Map<string, readonly [string, string]>();

function insertsOf(keyspace: string): readonly [string, string] {
  let texts = insertTexts.get(keyspace);
  if (texts === undefined) {
    texts = [
      `INSERT INTO ${keyspace}.${EVENT_LOG_TABLE} (${COLUMNS}) VALUES (${MARKERS})`,
      `INSERT INTO ${keyspace}.${EVENT_LOG_BY_AGGREGATE_TABLE} (${COLUMNS}) VALUES (${MARKERS})`,
    ];
    insertTexts.set(keyspace, texts);
  }
  return texts;
}
