import { defineSink, type Sink } from '../core/dsl.js';
import { ConfigError } from '../errors.js';
import { positiveInteger } from '../core/options.js';
import type { CqlClient } from '../connectors/cassandra/client.js';
import { DEFAULT_BUCKET_MS, type EventLogEntry, eventLogInserts } from '../connectors/cassandra/event-log.js';
import { runKeyed } from '../connectors/cassandra/keyed.js';
import { type RetryOptions, retryPolicy, retrySignal } from '../connectors/cassandra/retry.js';
import { cqlIdentifier } from '../connectors/cassandra/schema.js';
import { type CassandraWriteSummary, WriteCounts, batchOptionsOf, clientOption, writeBatchWithRetries } from '../connectors/cassandra/write.js';

export type { Delivery, EventLogEntry, LoggedEvent } from '../connectors/cassandra/event-log.js';

/** The options of `eventLogSink`. */
export interface EventLogSinkOptions<T> {
  /** A connected cassandra-driver `Client` (the stage never connects or shuts it down). */
  readonly client: CqlClient;
  /** The keyspace holding the event log tables (`createEventLogTables(client, keyspace)`). */
  readonly keyspace: string;
  /**
   * Maps an element to what is logged: the event, its aggregate id, and the delivery
   * (delivery id, Kafka timestamp, topic, partition, offset). Needed unless the elements
   * are `EventLogEntry`s already.
   */
  readonly toEntry?: (element: T) => EventLogEntry;
  /** Size of the time buckets of the Kafka record timestamp that partition `event_log`, ms. Default 3,600,000 (an hour). */
  readonly bucketMs?: number;
  /** How many deliveries may be held at once. Default 16. */
  readonly parallelism?: number;
  /** Consistency level of the writes (`types.consistencies`). Default: the client's. */
  readonly consistency?: number;
  /** Whether the two inserts of a delivery go in a logged batch (both land or, after retries, the run fails). Default true. */
  readonly logged?: boolean;
  /** As for `cassandraRetrySink`. */
  readonly retry?: RetryOptions;
}

/**
 * Logs one row per delivery of an event, in the tables of schemas/event-log.cql:
 * `event_log`, partitioned by the time bucket of the Kafka record timestamp (stable across
 * redeliveries) and clustered by event id then delivery id, so a partition scan finds an
 * event's redeliveries side by side; and `event_log_by_aggregate`, one aggregate's history
 * in event-time order. Both rows go in one batch (logged by default), idempotent, retried
 * like `cassandraRetrySink` does. A delivery is acknowledged once both rows are written.
 *
 * - Emits when: never (a sink).
 * - Backpressures when: `parallelism` deliveries are being written or waiting to retry;
 *   once full, until an eighth of `parallelism` is free again (their writes start together).
 * - Completes when: upstream completes and every write is done.
 * - Fails when: an element cannot be mapped to a row (BadInputError), a write fails with
 *   an error that is not retried (CassandraError), retries run out (RetriesExhaustedError),
 *   or upstream fails.
 * - Cancels when: never on its own.
 *
 * @example examples/cassandra-sink.ts
 */
export function eventLogSink(options: EventLogSinkOptions<EventLogEntry>): Sink<EventLogEntry, CassandraWriteSummary>;
export function eventLogSink<T>(options: EventLogSinkOptions<T> & { readonly toEntry: (element: T) => EventLogEntry }): Sink<T, CassandraWriteSummary>;
export function eventLogSink<T>(options: EventLogSinkOptions<T>): Sink<T, CassandraWriteSummary> {
  const stage = 'eventLogSink';
  const client = clientOption(stage, options?.client);
  const keyspace = cqlIdentifier(`${stage}: keyspace`, options.keyspace);
  const bucketMs = positiveInteger(stage, 'bucketMs', options.bucketMs, DEFAULT_BUCKET_MS);
  const parallelism = positiveInteger(stage, 'parallelism', options.parallelism, 16);
  const policy = retryPolicy(stage, options.retry);
  if (options.toEntry !== undefined && typeof options.toEntry !== 'function') throw new ConfigError(`${stage}: toEntry must be a function`, { stage });
  const toEntry = options.toEntry ?? ((element: T) => element as unknown as EventLogEntry);
  const writeOptions = batchOptionsOf({ consistency: options.consistency, logged: options.logged ?? true });
  return defineSink<T, CassandraWriteSummary>(stage, async (upstream, ctx) => {
    const counts = new WriteCounts();
    const signal = retrySignal(ctx.signal, parallelism);
    await runKeyed(upstream, ctx, {
      parallelism,
      keyOf: () => undefined, // every delivery is its own row: nothing to order
      write: (element) => {
        const entry = toEntry(element);
        return writeBatchWithRetries(client, eventLogInserts(keyspace, entry, bucketMs), entry.event.id, ctx, signal, writeOptions, policy, counts);
      },
    });
    return counts.summary();
  });
}
