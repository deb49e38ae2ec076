/** The pieces both command-graph wirings are made of, generic in the user's domain. */
import { mapChunk } from '../../core/chunk.js';
import { defineFlow, type Flow, type Sink, type Source } from '../../core/dsl.js';
import { BadInputError, messageOf } from '../../errors.js';
import { avroDeserializer } from '../../stages/avro-deserializer.js';
import { cassandraRetrySink } from '../../stages/cassandra-retry-sink.js';
import { consumerRecordsDequeue } from '../../stages/consumer-records-dequeue.js';
import { deadLetter } from '../../stages/dead-letter.js';
import { forEach } from '../../stages/for-each.js';
import { kafkaSource } from '../../stages/kafka-source.js';
import { map } from '../../stages/map.js';
import { mapAsync } from '../../stages/map-async.js';
import type { CqlBatchEntry } from '../../connectors/cassandra/client.js';
import { newDeliveryId } from '../../connectors/cassandra/event-log.js';
import { withRetries } from '../../connectors/cassandra/retry.js';
import type { BoundStatement } from '../../connectors/cassandra/statement.js';
import { type Write, writeThrough } from './write-through.js';
import { badInputAt, type Decoded, type KafkaRecord, type Valid } from '../../core/records.js';
import { batchStatement } from './batch-statement.js';
import type { CommandDelivery, CommandDomain, DomainContext } from './domain.js';
import { afterHook, beforeHook, type Branch } from './faults.js';
import { Claims, type Claimed, claimFlow } from './prevent.js';
import { filter } from '../../stages/filter.js';
import { type CheckedGraphOptions, GRAPH_FETCH_DEFAULTS } from './options.js';
import { appliedWrites, loggedWrites } from './writes.js';

type Options<C, S> = CheckedGraphOptions<C, S>;

/** A parsed command with its id, between the parse stage and the delivery id. */
interface Parsed<C> {
  readonly command: C;
  readonly commandId: string;
}

function kafkaOptions<C, S>(o: Options<C, S>): { brokers?: readonly string[]; kafka?: Options<C, S>['kafka'] } {
  return o.kafka !== undefined ? { kafka: o.kafka } : { brokers: o.brokers };
}

/** The record's value through the domain's decoding: Avro (with schema resolution) or the domain's function. */
function decoded<C, S>(o: Options<C, S>): Flow<KafkaRecord, Decoded<unknown>> {
  const decode = o.domain.decode;
  if (typeof decode !== 'function') {
    const { avro, ...options } = decode;
    return avroDeserializer<unknown>(avro, options);
  }
  return defineFlow<KafkaRecord, Decoded<unknown>>('decode', (upstream, ctx) => ({
    async pull(max) {
      const chunk = await upstream.pull(max);
      if (chunk === undefined) return undefined;
      return mapChunk(chunk, (record): Decoded<unknown> => {
        try {
          if (record.value === null) throw new BadInputError('the record has no value (a tombstone)');
          return { ok: true, value: decode(record.value, record), record };
        } catch (error) {
          ctx.metrics.count('badInput');
          return { ok: false, error: badInputAt(error, record, ctx.name), record };
        }
      });
    },
    cancel: (reason) => upstream.cancel(reason),
  }));
}

/**
 * The domain's `parse` and `commandId`, once per record, with the run's state from
 * `start` (awaited before the first record; retried like the writes, so a graph started
 * while Cassandra is down waits for it). A throw makes the record bad input.
 */
function parsed<C, S>(o: Options<C, S>): Flow<Decoded<unknown>, Decoded<Parsed<C>>> {
  const domain: CommandDomain<C, S> = o.domain;
  return defineFlow<Decoded<unknown>, Decoded<Parsed<C>>>('parse', (upstream, ctx) => {
    let state: Promise<S> | undefined;
    return {
      async pull(max) {
        const start = domain.start;
        state ??=
          start === undefined
            ? Promise.resolve(undefined as S)
            : withRetries(async () => start.call(domain, { client: o.client, keyspace: o.keyspace }), o.policy, { stage: ctx.name, statement: `${domain.name}.start`, idempotent: true, asThrown: true }, ctx.signal, {
                retry: () => ctx.metrics.count('retries'),
                waiting: (delta) => ctx.metrics.count('waiting', delta),
              });
        const s = await state;
        const chunk = await upstream.pull(max);
        if (chunk === undefined) return undefined;
        return mapChunk(chunk, (d): Decoded<Parsed<C>> => {
          if (!d.ok) return d;
          try {
            const command = domain.parse(d.value, s, d.record);
            const commandId = domain.commandId(command);
            if (typeof commandId !== 'string' || commandId === '') throw new BadInputError(`the command has no id (commandId gave ${JSON.stringify(commandId)})`);
            return { ok: true, value: { command, commandId }, record: d.record };
          } catch (error) {
            ctx.metrics.count('badInput');
            return { ok: false, error: badInputAt(error, d.record, ctx.name), record: d.record };
          }
        });
      },
      cancel: (reason) => upstream.cancel(reason),
    };
  });
}

/**
 * Kafka → dequeue → decode → parse → dead letter → one delivery id per delivery: what the
 * fan-out (or the series) starts from. The delivery id is given here, before any fan-out,
 * so both branches write the same one; a redelivery gets a new one.
 */
export function deliveries<C, S>(o: Options<C, S>): Source<CommandDelivery<C>> {
  const toDelivery = ({ value, record }: Valid<Parsed<C>>): CommandDelivery<C> => ({
    command: value.command,
    commandId: value.commandId,
    delivery: { id: newDeliveryId(), kafkaTimestamp: Number(record.timestamp), topic: record.topic, partition: record.partition, offset: record.offset, record },
  });
  return kafkaSource({ ...GRAPH_FETCH_DEFAULTS, ...o.consumer, ...kafkaOptions(o), fromBeginning: o.consumer?.fromBeginning ?? true, groupId: o.groupId, topics: [o.topic] })
    .named('commands')
    .via(consumerRecordsDequeue())
    .via(decoded(o).named(`${o.domain.name}-decode`))
    .via(parsed(o).named(`${o.domain.name}-parse`))
    .via(deadLetter<Parsed<C>>({ ...kafkaOptions(o), topic: o.deadLetterTopic }))
    .via(map(toDelivery).named('delivery-id'));
}

/**
 * The statement of a delivery the domain threw for (in `apply` or `events`): nothing to
 * execute; the branch's sink handles the failure as `onRecordError` says (the command is
 * dead-lettered, or the run fails naming its topic, partition and offset).
 */
function domainFailed<C, S>(o: Options<C, S>, d: CommandDelivery<C>, hook: 'apply' | 'events', error: unknown): BoundStatement<CommandDelivery<C>> {
  const { topic, partition } = d.delivery;
  const offset = String(d.delivery.offset);
  const what = `${o.domain.name}.${hook}`;
  const failure = new BadInputError(`${what} threw for command ${d.commandId}: ${messageOf(error)} (topic ${topic}, partition ${partition}, offset ${offset})`, {
    cause: error,
    topic,
    partition,
    offset,
    key: d.commandId,
  });
  return { query: what, params: [], key: d.commandId, idempotent: true, item: d, failure };
}

/**
 * The service's statement for delivery `d`: the domain's upserts of `as` (`d` itself, or in
 * prevent mode the delivery that owns the command) and its journal rows, as one logged
 * batch; `d` is the element (its record is acknowledged or dead-lettered).
 */
function serviceStatement<C, S>(o: Options<C, S>, context: DomainContext, d: CommandDelivery<C>, as: CommandDelivery<C>): BoundStatement<CommandDelivery<C>> {
  let writes: CqlBatchEntry[];
  try {
    writes = appliedWrites(o.domain, context, o.bucketMs, as);
  } catch (error) {
    return domainFailed(o, d, 'apply', error);
  }
  return batchStatement(writes, d, d.commandId);
}

/** The service's statement for one delivery: the domain's upserts and the journal row, as one logged batch. */
function bindService<C, S>(o: Options<C, S>): Flow<CommandDelivery<C>, BoundStatement<CommandDelivery<C>>> {
  const context = { client: o.client, keyspace: o.keyspace };
  return map((d: CommandDelivery<C>) => serviceStatement(o, context, d, d)).named('bind-service');
}

/**
 * Prevent mode: each delivery's claim (claimFlow), then the `afterClaim` fault hook when
 * given. What comes out says per delivery whether to write, and as which delivery.
 */
function claimed<C, S>(o: Options<C, S>): Flow<CommandDelivery<C>, Claimed<C>> {
  let flow = claimFlow<C>(new Claims(o.client, o.keyspace, o.policy), o.parallelism).named('claim');
  const hook = o.faults?.afterClaim;
  if (hook !== undefined) flow = flow.via(mapAsync(async (c: Claimed<C>) => (await hook(c.delivery), c), { parallelism: o.parallelism, ordered: true }).named('service-after-claim'));
  return flow;
}

/** Prevent mode, the statement of a claimed delivery that writes (see `claimed`). */
function bindClaimed<C, S>(o: Options<C, S>): Flow<Claimed<C>, BoundStatement<CommandDelivery<C>>> {
  const context = { client: o.client, keyspace: o.keyspace };
  return map((c: Claimed<C>) => serviceStatement(o, context, c.delivery, c.step.kind === 'apply' ? c.step.as : c.delivery)).named('bind-service');
}

/** Prevent mode, in series: a claimed delivery's statement, or nothing to write for a prevented duplicate. */
function writeOfClaimed<C, S>(o: Options<C, S>): Flow<Claimed<C>, Write<CommandDelivery<C>>> {
  const context = { client: o.client, keyspace: o.keyspace };
  return map((c: Claimed<C>): Write<CommandDelivery<C>> => (c.step.kind === 'apply' ? serviceStatement(o, context, c.delivery, c.step.as) : { unwritten: c.delivery })).named('bind-service');
}

/** The event log's statement for one delivery: the domain's events (two rows each) and the journal row, as one logged batch. */
function bindLog<C, S>(o: Options<C, S>): Flow<CommandDelivery<C>, BoundStatement<CommandDelivery<C>>> {
  return map((d: CommandDelivery<C>) => {
    let writes: CqlBatchEntry[];
    try {
      writes = loggedWrites(o.domain, o.keyspace, o.bucketMs, d);
    } catch (error) {
      return domainFailed(o, d, 'events', error);
    }
    return batchStatement(writes, d, d.commandId);
  }).named('bind-events');
}

/** A branch's sink: the user's function, or the default one, behind the fault hooks when given. */
export function branchSink<C, S>(o: Options<C, S>, branch: Branch): Sink<CommandDelivery<C>, unknown> {
  const custom = branch === 'service' ? o.service : o.eventLog;
  const name = branch === 'service' ? 'service' : 'event-log';
  let sink: Sink<CommandDelivery<C>, unknown>;
  if (custom !== undefined) sink = forEach(custom, { parallelism: o.parallelism }).named(name);
  else {
    const deadLetterTo = { ...kafkaOptions(o), topic: o.deadLetterTopic };
    const write = cassandraRetrySink<CommandDelivery<C>>({ client: o.client, parallelism: o.parallelism, retry: o.retry, onRecordError: o.onRecordError, deadLetter: deadLetterTo }).named(name);
    if (branch === 'service' && o.duplicates === 'prevent') {
      // A prevented duplicate is dropped here: its acknowledgement is called, nothing is written.
      sink = claimed(o).via(filter((c: Claimed<C>) => c.step.kind === 'apply').named('prevented-duplicates')).via(bindClaimed(o)).to(write);
    } else sink = (branch === 'service' ? bindService(o) : bindLog(o)).to(write);
  }
  return withHooks(o, branch, sink);
}

function withHooks<C, S>(o: Options<C, S>, branch: Branch, sink: Sink<CommandDelivery<C>, unknown>): Sink<CommandDelivery<C>, unknown> {
  const { beforeWrite, afterWrite } = o.faults ?? {};
  let out = sink;
  if (afterWrite !== undefined) out = afterHook<CommandDelivery<C>>(branch, afterWrite).named(`${branch}-after-write`).to(out);
  if (beforeWrite !== undefined) out = beforeHook<CommandDelivery<C>>(branch, beforeWrite, o.parallelism).named(`${branch}-before-write`).to(out);
  return out;
}

/** In series: the service as a flow that passes on only what it wrote. */
export function serviceFlow<C, S>(o: Options<C, S>): Flow<CommandDelivery<C>, CommandDelivery<C>> {
  const { beforeWrite, afterWrite } = o.faults ?? {};
  let flow: Flow<CommandDelivery<C>, CommandDelivery<C>>;
  const custom = o.service;
  if (custom !== undefined) {
    flow = mapAsync(async (d: CommandDelivery<C>, ctx) => (await custom(d, ctx), d), { parallelism: o.parallelism, ordered: true }).named('service');
  } else {
    const bound: Flow<CommandDelivery<C>, Write<CommandDelivery<C>>> = o.duplicates === 'prevent' ? claimed(o).via(writeOfClaimed(o)) : bindService(o);
    flow = bound
      .via(writeThrough<CommandDelivery<C>>(o.client, o.policy, o.parallelism, 'service', o.onRecordError).named('service'))
      .via(deadLetter<CommandDelivery<C>>({ ...kafkaOptions(o), topic: o.deadLetterTopic }).named('service-dead-letter'))
      .via(map((written: Valid<CommandDelivery<C>>) => written.value).named('service-written'));
  }
  if (beforeWrite !== undefined) flow = beforeHook<CommandDelivery<C>>('service', beforeWrite, o.parallelism).named('service-before-write').via(flow);
  if (afterWrite !== undefined) flow = flow.via(beforeHook<CommandDelivery<C>>('service', afterWrite, o.parallelism).named('service-after-write'));
  return flow;
}
