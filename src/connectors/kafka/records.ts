import type { KafkaMessage } from 'kafkajs';
import type { KafkaHeaders, KafkaRecord } from '../../core/records.js';

/** A kafkajs message of `topic`/`partition` as a KafkaRecord (src/core/records.ts). */
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
