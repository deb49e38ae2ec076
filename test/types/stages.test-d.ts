// Each prebuilt stage's signature: what it takes and gives, inferred from its arguments.
// (Type only: this file is typechecked, never run.)
import type { types } from 'cassandra-driver';
import { Observable } from 'rxjs';
import { describe, expectTypeOf, test } from 'vitest';
import { broadcast, buffer, collect, filter, fold, forEach, fromArray, fromAsyncIterable, fromIterable, fromObservable, groupedWithin, ignore, map, mapAsync, merge, throttle, toObservable, zip, type Flow, type Junction, type Sink, type Source } from 'dendrites';
import { consumerRecordsDequeue, deadLetter, kafkaSink, kafkaSource, type ConsumerRecords, type Decoded, type KafkaRecord, type KafkaSinkResult, type OutgoingMessage, type Valid } from 'dendrites/kafka';
import { cassandraBind, cassandraQuery, cassandraRetrySink, cassandraSink, eventLogSink, type BoundStatement, type CassandraWriteSummary, type CqlClient, type EventLogEntry } from 'dendrites/cassandra';
import { avroDeserializer, avroSerializer } from 'dendrites/avro';

declare const client: CqlClient;
declare const numbers: AsyncIterable<number>;
interface Transfer {
  readonly amount: number;
}

describe('stage signatures', () => {
  test('sources', () => {
    expectTypeOf(fromArray([1, 2])).toEqualTypeOf<Source<number>>();
    expectTypeOf(fromIterable(new Set(['a']))).toEqualTypeOf<Source<string>>();
    expectTypeOf(fromAsyncIterable(numbers)).toEqualTypeOf<Source<number>>();
    expectTypeOf(fromObservable(new Observable<Date>())).toEqualTypeOf<Source<Date>>();
    expectTypeOf(cassandraQuery({ client: client, query: 'SELECT 1' })).toEqualTypeOf<Source<types.Row>>();
    expectTypeOf(kafkaSource).returns.toEqualTypeOf<Source<ConsumerRecords>>();
    expectTypeOf(toObservable(fromArray([true]))).toEqualTypeOf<Observable<boolean>>();
  });

  test('flows', () => {
    expectTypeOf(map((n: number) => String(n))).toEqualTypeOf<Flow<number, string>>();
    expectTypeOf(filter((s: string) => s.length > 0)).toEqualTypeOf<Flow<string, string>>();
    expectTypeOf(mapAsync(async (n: number) => [n])).toEqualTypeOf<Flow<number, number[]>>();
    expectTypeOf(buffer<number>({ size: 8 })).toEqualTypeOf<Flow<number, number>>();
    expectTypeOf(groupedWithin<string>({ size: 10, windowMs: 100 })).toEqualTypeOf<Flow<string, string[]>>();
    expectTypeOf(throttle<Date>({ elements: 10, perMs: 1000 })).toEqualTypeOf<Flow<Date, Date>>();
    expectTypeOf(consumerRecordsDequeue()).toEqualTypeOf<Flow<ConsumerRecords, KafkaRecord>>();
    expectTypeOf(avroDeserializer<Transfer>({ type: 'int' })).toEqualTypeOf<Flow<KafkaRecord, Decoded<Transfer>>>();
    expectTypeOf(avroSerializer<Transfer>({ type: 'int' })).toEqualTypeOf<Flow<Transfer, Buffer>>();
    expectTypeOf(deadLetter<Transfer>({ topic: 'dlq' })).toEqualTypeOf<Flow<Decoded<Transfer>, Valid<Transfer>>>();
    expectTypeOf(cassandraBind({ cql: 'INSERT', bind: (t: Transfer) => [t.amount] })).toEqualTypeOf<Flow<Transfer, BoundStatement<Transfer>>>();
  });

  test('sinks', () => {
    expectTypeOf(collect<number>()).toEqualTypeOf<Sink<number, number[]>>();
    expectTypeOf(fold(0, (sum, s: string) => sum + s.length)).toEqualTypeOf<Sink<string, number>>();
    expectTypeOf(forEach((t: Transfer) => t.amount)).toEqualTypeOf<Sink<Transfer, void>>();
    expectTypeOf(ignore()).toEqualTypeOf<Sink<unknown, void>>();
    expectTypeOf(kafkaSink).returns.toEqualTypeOf<Sink<OutgoingMessage, KafkaSinkResult>>();
    expectTypeOf(cassandraSink<Transfer>({ client })).toEqualTypeOf<Sink<BoundStatement<Transfer>, CassandraWriteSummary>>();
    expectTypeOf(cassandraRetrySink<Transfer>({ client })).toEqualTypeOf<Sink<BoundStatement<Transfer>, CassandraWriteSummary>>();
    expectTypeOf(eventLogSink({ client, keyspace: 'k' })).toEqualTypeOf<Sink<EventLogEntry, CassandraWriteSummary>>();
  });

  test('junctions', () => {
    expectTypeOf(broadcast<number>(2)).toEqualTypeOf<Junction<[number], number[]>>();
    expectTypeOf(merge<string>(3)).toEqualTypeOf<Junction<string[], [string]>>();
    expectTypeOf(zip<number, string>()).toEqualTypeOf<Junction<[number, string], [[number, string]]>>();
  });

  test('misuse does not compile', () => {
    // @ts-expect-error kafkaSink takes OutgoingMessage, not numbers
    fromArray([1]).to(kafkaSink({ topic: 't' }));
    // @ts-expect-error consumerRecordsDequeue takes ConsumerRecords
    fromArray([1]).via(consumerRecordsDequeue());
    fromArray([{ key: 'k', value: Buffer.from('v') }]).to(kafkaSink({ topic: 't' })); // a subtype of OutgoingMessage goes in as is
  });
});
