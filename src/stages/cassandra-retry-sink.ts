import { defineSink, type Sink } from '../core/dsl.js';
import { positiveInteger } from '../core/options.js';
import type { CqlClient } from '../connectors/cassandra/client.js';
import { runKeyed } from '../connectors/cassandra/keyed.js';
import { type RetryOptions, retryPolicy, retrySignal } from '../connectors/cassandra/retry.js';
import type { BoundStatement } from '../connectors/cassandra/statement.js';
import { type CassandraWriteSummary, WriteCounts, clientOption, writeWithRetries } from '../connectors/cassandra/write.js';
import { type RecordErrorOptions, failedWrites, recordErrorTarget } from './cassandra-sink.js';

export type { RetryOptions } from '../connectors/cassandra/retry.js';
export type { RecordErrorOptions } from './cassandra-sink.js';

/** The options of `cassandraRetrySink`. */
export interface CassandraRetrySinkOptions extends RecordErrorOptions {
  /** A cassandra-driver `Client` (the stage never shuts it down; one not connected yet connects on the first write, retried like the writes). */
  readonly client: CqlClient;
  /** How many elements may be held at once (writing or waiting to retry). Default 16. */
  readonly parallelism?: number;
  /** Consistency level of every write (`types.consistencies`). Default: the client's. */
  readonly consistency?: number;
  /** Give-up time, attempts and backoff; see `RetryOptions` for the defaults (retried for up to 5 minutes, 100 ms to 5 s apart). */
  readonly retry?: RetryOptions;
}

/**
 * `cassandraSink` that retries what is safe to retry (p-retry; exponential backoff with
 * jitter, 100 ms doubling up to 5 s by default, for as long as `retry.giveUpAfterMs`
 * allows, 5 minutes by default, however many attempts that takes):
 *
 * - Unavailable, Overloaded, IsBootstrapping, ReadTimeout, NoHostAvailable (Cassandra
 *   down, or a client that cannot connect yet): retried;
 * - WriteTimeout, client timeouts (OperationTimedOutError) and a connection lost under a
 *   sent request: retried only for statements bound as `idempotent` (the write may have
 *   happened);
 * - a conditional write (lightweight transaction) that was not applied: re-bound with
 *   the element's bind function (fresh state, `attempt` + 1) and retried — optimistic
 *   concurrency; a bind that then returns `null` ends it (acknowledged, counted `skipped`);
 * - syntax, invalid query, unauthorized and any other error: not retried; a refusal of
 *   the element's own values is handled as `onRecordError` says (fail, or dead-letter
 *   and go on), anything else fails the run.
 *
 * Writes with the same key stay in order, also across retries. While an element waits to
 * be retried it stays held, so the sink pulls nothing more once `parallelism` are held:
 * the source is backpressured through an outage. Its metrics show it: `retries` (made so
 * far) and `waiting` (elements waiting to retry now). An element is acknowledged when its
 * write succeeded (or its record was dead-lettered). Resolves with a `CassandraWriteSummary`.
 *
 * - Emits when: never (a sink).
 * - Backpressures when: `parallelism` elements are held (writing, waiting to retry,
 *   waiting behind an earlier write to the same key, or being dead-lettered); once full,
 *   until an eighth of `parallelism` is free again, so that the freed slots' writes start
 *   together and reach the driver in one socket write.
 * - Completes when: upstream completes and every write is done.
 * - Fails when: a write fails with an error that is not retried and not dead-lettered (a
 *   CassandraError naming the statement, the key and, when the element carries them, its
 *   Kafka topic, partition and offset), retries run out (a RetriesExhaustedError naming
 *   the same, with the last error as `cause` and the `attempts` made), producing to the
 *   dead-letter topic fails (a KafkaError), or upstream fails.
 * - Cancels when: never on its own. An aborted run stops waiting between retries.
 *
 * @example examples/cassandra-sink.ts
 */
export function cassandraRetrySink<T>(options: CassandraRetrySinkOptions): Sink<BoundStatement<T>, CassandraWriteSummary> {
  const stage = 'cassandraRetrySink';
  const client = clientOption(stage, options?.client);
  const parallelism = positiveInteger(stage, 'parallelism', options.parallelism, 16);
  const policy = retryPolicy(stage, options.retry);
  const consistency = options.consistency;
  const target = recordErrorTarget(stage, options);
  return defineSink<BoundStatement<T>, CassandraWriteSummary>(stage, async (upstream, ctx) => {
    const counts = new WriteCounts();
    const failed = failedWrites(ctx, counts, target);
    const signal = retrySignal(ctx.signal, parallelism);
    await runKeyed(upstream, ctx, {
      parallelism,
      keyOf: (bound) => bound.key,
      write: (bound) => writeWithRetries(client, bound, ctx, signal, consistency, policy, counts, failed),
    });
    return counts.summary();
  });
}
