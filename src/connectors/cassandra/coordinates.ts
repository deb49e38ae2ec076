/**
 * Where an element came from in Kafka, found on the element itself: the Cassandra sinks
 * name it in their errors and dead-letter the record it carries. An element carries it
 * when it is a Kafka record, a decoded record (`{ record }`, as `avroDeserializer` emits),
 * or a delivery (`{ delivery: { topic, partition, offset } }`, as the command graph's
 * elements and `eventLogSink`'s entries are).
 */
import type { KafkaRecord } from '../../core/records.js';

/** A record's place in Kafka. */
export interface RecordCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

type Fields = Readonly<Record<string, unknown>>;

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null ? (value as Fields) : undefined;
}

function coordinates(value: unknown): RecordCoordinates | undefined {
  const f = fields(value);
  if (f === undefined || typeof f.topic !== 'string' || typeof f.partition !== 'number') return undefined;
  const offset = f.offset;
  if (typeof offset !== 'string' && typeof offset !== 'number' && typeof offset !== 'bigint') return undefined;
  return { topic: f.topic, partition: f.partition, offset: String(offset) };
}

function isKafkaRecord(value: unknown): value is KafkaRecord {
  const f = fields(value);
  return (
    f !== undefined &&
    coordinates(f) !== undefined &&
    typeof f.offset === 'string' &&
    typeof f.timestamp === 'string' &&
    'value' in f &&
    'key' in f &&
    typeof f.headers === 'object' &&
    f.headers !== null
  );
}

/** The element itself, its `record` and its `delivery`: where coordinates may be. */
function places(item: unknown): unknown[] {
  const f = fields(item);
  return f === undefined ? [] : [f, f.record, f.delivery];
}

/** The Kafka coordinates the element carries, if any. */
export function coordinatesOf(item: unknown): RecordCoordinates | undefined {
  for (const place of places(item)) {
    const c = coordinates(place);
    if (c !== undefined) return c;
  }
  return undefined;
}

/** The Kafka record the element carries (itself, its `record`, or its `delivery.record`), if any. */
export function recordOf(item: unknown): KafkaRecord | undefined {
  const f = fields(item);
  if (f === undefined) return undefined;
  for (const candidate of [f, f.record, fields(f.delivery)?.record]) if (isKafkaRecord(candidate)) return candidate;
  return undefined;
}

/** `topic t, partition p, offset o`, for messages. */
export function describeCoordinates(c: RecordCoordinates): string {
  return `topic ${c.topic}, partition ${c.partition}, offset ${c.offset}`;
}
