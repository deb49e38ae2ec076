import { defineSink, type Sink } from '../core/dsl.js';
import { ConfigError } from '../errors.js';
import { positiveInteger } from '../core/options.js';
import type { CqlClient } from '../connectors/cassandra/client.js';
import { runKeyed } from '../connectors/cassandra/keyed.js';
import type { BoundStatement } from '../connectors/cassandra/statement.js';
import { type CassandraWriteSummary, FailedWrites, type OnRecordError, WriteCounts, clientOption, onRecordErrorOption, writeOnce } from '../connectors/cassandra/write.js';
import type { StageContext } from '../core/stage.js';
import { type DeadLetterOptions, type DeadLetterTarget, deadLetterProducer, deadLetterTarget } from './dead-letter.js';

export type { CqlClient } from '../connectors/cassandra/client.js';
export type { CassandraWriteSummary, OnRecordError } from '../connectors/cassandra/write.js';

/** What the Cassandra sinks do with an element whose write fails for its own values. */
export interface RecordErrorOptions {
  /**
   * What a write that fails for the element's OWN values does (Cassandra refused them:
   * Invalid such as `Key may not be empty`, FunctionFailure; or the driver could not
   * encode a value as its column's type): `'fail'` (default) fails the run with a
   * CassandraError that names the element's topic, partition and offset; `'dead-letter'`
   * produces the element's Kafka record to `deadLetter.topic` with the reason in its
   * headers (DEAD_LETTER_HEADERS), then acknowledges the element and goes on. A failure
   * about the statement, the schema, the cluster or the client (syntax, a missing table,
   * unauthorized, retries given up...) always fails the run.
   *
   * The element's record is found on its bound `item`: the item itself when it is a
   * Kafka record, its `record` (a decoded record), or its `delivery.record` (the command
   * graph's deliveries). An element that carries none cannot be dead-lettered: the run
   * fails. A statement that carries a `failure` (its element could not be bound) is not
   * executed; a BadInputError there is the element's own and is handled the same way.
   */
  readonly onRecordError?: OnRecordError;
  /** Where `'dead-letter'` produces (required with it): the topic (it must exist) and `brokers` or a `kafka` client. */
  readonly deadLetter?: DeadLetterOptions;
}

/** The options of `cassandraSink`. */
export interface CassandraSinkOptions extends RecordErrorOptions {
  /** A connected cassandra-driver `Client` (the stage never connects or shuts it down). */
  readonly client: CqlClient;
  /** How many writes may be in flight at once. Default 16. */
  readonly parallelism?: number;
  /** Consistency level of every write (`types.consistencies`). Default: the client's. */
  readonly consistency?: number;
}

/** @internal Checks the record-error options of a Cassandra sink when it is built: the dead-letter target, or undefined for `'fail'`. */
export function recordErrorTarget(stage: string, options: RecordErrorOptions): DeadLetterTarget | undefined {
  const policy = onRecordErrorOption(stage, options.onRecordError, 'fail');
  if (policy === 'fail') return undefined;
  if (options.deadLetter === undefined) throw new ConfigError(`${stage}: onRecordError 'dead-letter' needs deadLetter (topic, and brokers or kafka)`, { stage });
  return deadLetterTarget(stage, options.deadLetter, 'deadLetter.');
}

/** @internal What a Cassandra sink does with failed writes in one run. */
export function failedWrites(ctx: StageContext, counts: WriteCounts, target: DeadLetterTarget | undefined): FailedWrites {
  return new FailedWrites(ctx, counts, target === undefined ? undefined : deadLetterProducer(target, ctx));
}

/**
 * Executes bound statements (from `cassandraBind`), prepared, with at most `parallelism`
 * in flight. Writes with the same key run one after the other in the order they arrived
 * (a second write to a key waits for the first). An element is acknowledged only once its
 * write succeeded (or, with `onRecordError: 'dead-letter'`, once its record is in the
 * dead-letter topic), so a Kafka offset commits only for what is in Cassandra or parked.
 * It does not retry: use `cassandraRetrySink` for that. Resolves with a
 * `CassandraWriteSummary`.
 *
 * - Emits when: never (a sink).
 * - Backpressures when: `parallelism` elements are held, running or waiting behind an
 *   earlier write to the same key (it never pulls more than it can hold), or while a
 *   refused element is being dead-lettered; once full, until an eighth of `parallelism`
 *   is free again (the freed slots' writes start together: one socket write).
 * - Completes when: upstream completes and every write is done.
 * - Fails when: a write fails (a CassandraError naming the statement, the key and, when
 *   the element carries them, its Kafka topic, partition and offset; the element is not
 *   acknowledged) unless `onRecordError: 'dead-letter'` parks it (see RecordErrorOptions);
 *   producing to the dead-letter topic fails (a KafkaError); or upstream fails.
 * - Cancels when: never on its own.
 *
 * @example examples/cassandra-sink.ts
 */
export function cassandraSink<T>(options: CassandraSinkOptions): Sink<BoundStatement<T>, CassandraWriteSummary> {
  const stage = 'cassandraSink';
  const client = clientOption(stage, options?.client);
  const parallelism = positiveInteger(stage, 'parallelism', options.parallelism, 16);
  const consistency = options.consistency;
  const target = recordErrorTarget(stage, options);
  return defineSink<BoundStatement<T>, CassandraWriteSummary>(stage, async (upstream, ctx) => {
    const counts = new WriteCounts();
    const failed = failedWrites(ctx, counts, target);
    await runKeyed(upstream, ctx, {
      parallelism,
      keyOf: (bound) => bound.key,
      write: (bound) => writeOnce(client, bound, ctx, consistency, counts, failed),
    });
    return counts.summary();
  });
}
