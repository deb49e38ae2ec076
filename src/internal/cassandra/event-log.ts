/**
 * The event log's element type and its rows. An entry is one delivery of one event:
 * the event itself, the aggregate it belongs to, and the delivery (its timeuuid and the
 * Kafka record it came from).
 */
import { types } from 'cassandra-driver';
import { BadInputError } from '../../errors.js';
import type { CqlBatchEntry } from './client.js';
import { EVENT_LOG_BY_AGGREGATE_TABLE, EVENT_LOG_TABLE } from './schema.js';

/** A domain event as the log stores it. */
export interface LoggedEvent {
  /** The event's id (for a command's event, the command id): the same on every redelivery. */
  readonly id: string;
  /** The id of what caused it, if anything. */
  readonly parent?: string | null;
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
  readonly topic: string;
  readonly partition: number;
  /** The record's offset (Kafka offsets are strings in kafkajs). */
  readonly offset: string | number | bigint;
}

/** What `eventLogSink` writes: one delivery of one event of one aggregate. */
export interface EventLogEntry {
  readonly event: LoggedEvent;
  /** The aggregate the event belongs to (e.g. the account id); keys the history table. */
  readonly aggregateId: string;
  readonly delivery: Delivery;
}

/** One hour, the default bucket size. */
export const DEFAULT_BUCKET_MS = 3_600_000;

/** A new delivery id: a timeuuid, as a string. */
export function newDeliveryId(): string {
  return types.TimeUuid.now().toString();
}

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
