// Conformance of the in-memory prebuilt stages (src/stages/*.ts): one line per stage (or per
// configuration worth its own line), the properties in harness.ts. The stages that need Kafka
// or Cassandra are in test/integration/conformance.test.ts, against the real services.
// A new stage: add its line here.
import avro from 'avsc';
import { Observable } from 'rxjs';
import {
  broadcast,
  buffer,
  collect,
  filter,
  fold,
  forEach,
  fromArray,
  fromAsyncIterable,
  fromIterable,
  fromObservable,
  groupedWithin,
  ignore,
  map,
  mapAsync,
  merge,
  throttle,
  toObservable,
  zip,
} from 'dendrites';
import { avroDeserializer, avroSerializer } from 'dendrites/avro';
import { cassandraBind } from 'dendrites/cassandra';
import { type ConsumerRecords, consumerRecordsDequeue, type KafkaRecord } from 'dendrites/kafka';
import { conformance, fanIn, fanOut, flow, type Input, observable, sink, source } from './harness.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const int: Input<number> = (i) => i;
const text: Input<string> = (i) => `s${i}`;

/** A Kafka record at offset i of partition 0. */
function record(i: number, value: Buffer | null): KafkaRecord {
  return { topic: 't', partition: 0, offset: String(i), key: null, value, timestamp: '0', headers: {} };
}

/** The i-th batch of a partition: 3 records, each with an ack of its own (the kafkaSource's are its offset tracker's; these do nothing). */
const batch: Input<ConsumerRecords> = (i) => {
  const records = [0, 1, 2].map((k) => record(3 * i + k, Buffer.from(`v${3 * i + k}`)));
  return { topic: 't', partition: 0, records, acks: records.map(() => () => {}), live: () => true };
};

const pointType = avro.Type.forSchema({ type: 'record', name: 'Point', fields: [{ name: 'x', type: 'int' }] });
/** Avro records of `Point`, every fifth not Avro at all (it comes out as `{ ok: false }`: decoding never drops). */
const avroRecord: Input<KafkaRecord> = (i) => record(i, i % 5 === 4 ? Buffer.from([0xff, 0xff, 0xff]) : pointType.toBuffer({ x: i }));

/** An iterable (not an array: that is fromArray) of 0..count-1; with `failAfter`, it throws instead of the element after them. */
function numbers(count: number, failAfter?: { readonly n: number; readonly error: Error }): Iterable<number> {
  return {
    *[Symbol.iterator]() {
      for (let i = 0; i < count; i++) {
        if (failAfter !== undefined && i === failAfter.n) throw failAfter.error;
        yield i;
      }
    },
  };
}

/** An async iterable of 0..count-1, reusable; with `failAfter`, it waits a little after them and throws. */
function asyncNumbers(count: number, failAfter?: { readonly n: number; readonly error: Error }): AsyncIterable<number> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < count; i++) {
        if (failAfter !== undefined && i === failAfter.n) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          throw failAfter.error;
        }
        yield i;
      }
    },
  };
}

/** An observable of 0..count-1 pushed at once on subscription, then complete (give fromObservable a buffer that fits). */
function synchronousObservable(count: number): Observable<number> {
  return new Observable<number>((subscriber) => {
    for (let i = 0; i < count; i++) subscriber.next(i);
    subscriber.complete();
  });
}

/** An observable of `count` values pushed at once, then an error 20 ms later. */
function failingObservable(count: number, error: Error): Observable<number> {
  return new Observable<number>((subscriber) => {
    for (let i = 0; i < count; i++) subscriber.next(i);
    const timer = setTimeout(() => subscriber.error(error), 20);
    return () => clearTimeout(timer);
  });
}

/** A forEach whose calls take a turn of the event loop; an element counts as processed once its call is done. */
function forEachCase(parallelism: number) {
  return () => {
    const done = new Set<number>();
    const sinkStage = forEach<number>(
      async (n) => {
        await tick();
        done.add(n);
      },
      { parallelism },
    );
    return { sink: sinkStage, processed: (n: number) => done.has(n) };
  };
}

conformance([
  // sources
  source('fromArray', { make: (count) => fromArray(range(count)) }),
  source('fromIterable', { make: (count) => fromIterable(numbers(count)), failing: (count, error) => fromIterable(numbers(count + 1, { n: count, error })) }),
  source('fromAsyncIterable', { make: (count) => fromAsyncIterable(asyncNumbers(count)), failing: (count, error) => fromAsyncIterable(asyncNumbers(count + 1, { n: count, error })) }),
  source('fromObservable', { make: (count) => fromObservable(synchronousObservable(count), { bufferSize: count }), failing: (count, error) => fromObservable(failingObservable(count, error)) }),
  // flows
  flow('map', { make: () => map((n: number) => n + 1), input: int }),
  flow('filter', { make: () => filter((n: number) => n % 3 !== 0), input: int }),
  flow('buffer', { make: () => buffer<number>({ size: 8 }), input: int }),
  flow('mapAsync', { make: () => mapAsync(async (n: number) => n * 2, { parallelism: 4 }), input: int }),
  flow('mapAsync unordered', { make: () => mapAsync(async (n: number) => n * 2, { parallelism: 4, ordered: false }), input: int }),
  flow('groupedWithin', { make: () => groupedWithin<number>({ size: 3, windowMs: 20 }), input: int }),
  flow('throttle', { make: () => throttle<number>({ elements: 100, perMs: 10 }), input: int }),
  flow('consumerRecordsDequeue', { make: () => consumerRecordsDequeue(), input: batch, onStop: 'leaves-unemitted' }),
  flow('avroDeserializer', { make: () => avroDeserializer<{ x: number }>(pointType), input: avroRecord }),
  flow('avroSerializer', { make: () => avroSerializer<{ x: number }>(pointType), input: (i) => ({ x: i }) }),
  flow('cassandraBind', { make: () => cassandraBind<number>({ cql: 'INSERT INTO t (k, v) VALUES (?, ?)', bind: (n) => (n % 4 === 3 ? null : [`k${n}`, n]), key: (n) => `k${n}` }), input: int }),
  // junctions
  fanOut('broadcast', { make: () => broadcast<number>(2), outputs: 2, input: int }),
  fanIn('merge', { make: () => merge<number>(3), inputs: [int, int, int] }),
  fanIn('zip', { make: () => zip<number, string>(), inputs: [int, text] }),
  // sinks
  sink('collect', { make: () => collect<number>(), input: int }),
  sink('fold', { make: () => fold(0, (sum: number, n: number) => sum + n), input: int }),
  sink('ignore', { make: () => ignore<number>(), input: int }),
  sink('forEach', { make: forEachCase(1), input: int }),
  sink('forEach parallel', { make: forEachCase(4), input: int }),
  observable('toObservable', { make: (s) => toObservable(s), input: int }),
]);
