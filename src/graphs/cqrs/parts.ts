/** The pieces both command-graph wirings are made of. */
import { defineFlow, type Flow, type Sink, type Source } from '../../core/dsl.js';
import { avroDeserializer } from '../../stages/avro-deserializer.js';
import { cassandraRetrySink } from '../../stages/cassandra-retry-sink.js';
import { consumerRecordsDequeue } from '../../stages/consumer-records-dequeue.js';
import { deadLetter } from '../../stages/dead-letter.js';
import { eventLogSink } from '../../stages/event-log-sink.js';
import { forEach } from '../../stages/for-each.js';
import { kafkaSource } from '../../stages/kafka-source.js';
import { map } from '../../stages/map.js';
import { mapAsync } from '../../stages/map-async.js';
import { type Command, commandType } from '../avro/command.js';
import type { BoundStatement } from '../cassandra/statement.js';
import { newDeliveryId } from '../cassandra/event-log.js';
import type { Valid } from '../kafka/decoded.js';
import type { KafkaRecord } from '../kafka/records.js';
import type { CommandDelivery } from '../../domain/ledger.js';
import { batchStatement } from './batch-statement.js';
import { afterHook, beforeHook, type Branch } from './faults.js';
import { type CheckedGraphOptions, GRAPH_FETCH_DEFAULTS } from './options.js';
import { writeThrough } from './write-flow.js';

function kafkaOptions<C>(o: CheckedGraphOptions<C>): { brokers?: readonly string[]; kafka?: CheckedGraphOptions<C>['kafka'] } {
  return o.kafka !== undefined ? { kafka: o.kafka } : { brokers: o.brokers };
}

/** Runs the domain's `prepare` once per run, before the first record passes. */
function prepared<C>(o: CheckedGraphOptions<C>): Flow<KafkaRecord, KafkaRecord> {
  return defineFlow<KafkaRecord, KafkaRecord>('prepare', (upstream) => {
    let ready: Promise<void> | undefined;
    return {
      async pull(max) {
        ready ??= o.domain.prepare?.({ client: o.client, keyspace: o.keyspace }) ?? Promise.resolve();
        await ready;
        return upstream.pull(max);
      },
      cancel: (reason) => upstream.cancel(reason),
    };
  });
}

/**
 * Kafka → dequeue → Avro → dead letter → one delivery id per delivery: what the fan-out
 * (or the series) starts from. The delivery id is given here, before any fan-out, so both
 * branches write the same one; a redelivery gets a new one.
 */
export function deliveries<C>(o: CheckedGraphOptions<C>): Source<CommandDelivery<C>> {
  const toDelivery = ({ value, record }: Valid<Command>): CommandDelivery<C> => ({
    command: o.domain.parse(value),
    delivery: { id: newDeliveryId(), kafkaTimestamp: Number(record.timestamp), topic: record.topic, partition: record.partition, offset: record.offset },
  });
  return kafkaSource({ ...GRAPH_FETCH_DEFAULTS, ...o.consumer, ...kafkaOptions(o), fromBeginning: o.consumer?.fromBeginning ?? true, groupId: o.groupId, topics: [o.topic] })
    .named('commands')
    .via(consumerRecordsDequeue())
    .via(prepared(o).named(`${o.domain.name}-prepare`))
    .via(avroDeserializer<Command>(commandType, { validate: (c) => void o.domain.parse(c) }))
    .via(deadLetter<Command>({ ...kafkaOptions(o), topic: o.deadLetterTopic }))
    .via(map(toDelivery).named('delivery-id'));
}

/** The service's statement for one delivery: its upserts as one logged batch. */
export function bindService<C>(o: CheckedGraphOptions<C>): Flow<CommandDelivery<C>, BoundStatement<CommandDelivery<C>>> {
  return map((d: CommandDelivery<C>) => batchStatement(o.domain.serviceWrites(o.keyspace, d, o.bucketMs), d, o.domain.commandId(d.command))).named('bind-service');
}

/** A branch's sink: the user's function, or the default one, behind the fault hooks when given. */
export function branchSink<C>(o: CheckedGraphOptions<C>, branch: Branch): Sink<CommandDelivery<C>, unknown> {
  const custom = branch === 'service' ? o.service : o.eventLog;
  let sink: Sink<CommandDelivery<C>, unknown>;
  if (custom !== undefined) sink = forEach(custom, { parallelism: o.parallelism }).named(branch === 'service' ? 'service' : 'event-log');
  else if (branch === 'service') sink = bindService(o).to(cassandraRetrySink({ client: o.client, parallelism: o.parallelism, retry: o.retry }).named('service'));
  else sink = eventLogSink<CommandDelivery<C>>({ client: o.client, keyspace: o.keyspace, bucketMs: o.bucketMs, parallelism: o.parallelism, retry: o.retry, toEntry: (d) => o.domain.logEntry(d) }).named('event-log');
  return withHooks(o, branch, sink);
}

function withHooks<C>(o: CheckedGraphOptions<C>, branch: Branch, sink: Sink<CommandDelivery<C>, unknown>): Sink<CommandDelivery<C>, unknown> {
  const { beforeWrite, afterWrite } = o.faults ?? {};
  let out = sink;
  if (afterWrite !== undefined) out = afterHook<CommandDelivery<C>>(branch, afterWrite).named(`${branch}-after-write`).to(out);
  if (beforeWrite !== undefined) out = beforeHook<CommandDelivery<C>>(branch, beforeWrite, o.parallelism).named(`${branch}-before-write`).to(out);
  return out;
}

/** In series: the service as a flow that passes on only what it wrote. */
export function serviceFlow<C>(o: CheckedGraphOptions<C>): Flow<CommandDelivery<C>, CommandDelivery<C>> {
  const { beforeWrite, afterWrite } = o.faults ?? {};
  let flow: Flow<CommandDelivery<C>, CommandDelivery<C>>;
  const custom = o.service;
  if (custom !== undefined) {
    flow = mapAsync(async (d: CommandDelivery<C>, ctx) => (await custom(d, ctx), d), { parallelism: o.parallelism, ordered: true }).named('service');
  } else {
    flow = bindService(o).via(writeThrough<CommandDelivery<C>>(o.client, o.policy, o.parallelism, 'service').named('service'));
  }
  if (beforeWrite !== undefined) flow = beforeHook<CommandDelivery<C>>('service', beforeWrite, o.parallelism).named('service-before-write').via(flow);
  if (afterWrite !== undefined) flow = flow.via(beforeHook<CommandDelivery<C>>('service', afterWrite, o.parallelism).named('service-after-write'));
  return flow;
}
