/** Produces encoded records to a topic with dendrites itself: fromIterable → kafkaSink. */
import type { Kafka } from 'kafkajs';
import { fromIterable } from '../stages/from-iterable.js';
import { kafkaSink, type OutgoingMessage } from '../stages/kafka-sink.js';
import { map } from '../stages/map.js';
import type { ProducedRecord } from './cqrs/sample.js';

/** Sends `records` in order (key and value as given); resolves with how many the broker acknowledged. */
export async function produceRecords(kafka: Kafka, topic: string, records: readonly ProducedRecord[]): Promise<number> {
  const { sent } = await fromIterable(records)
    .named('records')
    .via(map((r: ProducedRecord): OutgoingMessage => ({ key: r.key, value: r.value })))
    .runWith(kafkaSink({ kafka, topic, batchSize: 500, maxInFlightSends: 4, maxInFlightRequests: 5 }).named('produce')).done;
  return sent;
}
