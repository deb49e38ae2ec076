import { defineSink, type Sink } from '../core/dsl.js';
import { positiveInteger } from '../internal/options.js';
import type { CqlClient } from '../internal/cassandra/client.js';
import { runKeyed } from '../internal/cassandra/keyed.js';
import { type RetryOptions, retryPolicy, retrySignal } from '../internal/cassandra/retry.js';
import type { BoundStatement } from '../internal/cassandra/statement.js';
import { type CassandraWriteSummary, WriteCounts, clientOption, writeWithRetries } from '../internal/cassandra/write.js';

export type { RetryOptions } from '../internal/cassandra/retry.js';

export interface CassandraRetrySinkOptions {
  /** A connected cassandra-driver `Client` (the stage never connects or shuts it down). */
  readonly client: CqlClient;
  /** How many elements may be held at once (writing or waiting to retry). Default 16. */
  readonly parallelism?: number;
  /** Consistency level of every write (`types.consistencies`). Default: the client's. */
  readonly consistency?: number;
  /** Attempts, backoff and total time; see `RetryOptions` for the defaults (10 attempts, 100 ms to 5 s, 60 s in all). */
  readonly retry?: RetryOptions;
}

/**
 * `cassandraSink` that retries what is safe to retry (p-retry; exponential backoff with
 * jitter, bounded by attempts and total time):
 *
 * - Unavailable, Overloaded, IsBootstrapping, ReadTimeout, NoHostAvailable: retried;
 * - WriteTimeout and client timeouts (OperationTimedOutError): retried only for
 *   statements bound as `idempotent` (the write may have happened);
 * - a conditional write (lightweight transaction) that was not applied: re-bound with
 *   the element's bind function (fresh state, `attempt` + 1) and retried — optimistic
 *   concurrency; a bind that then returns `null` ends it (acknowledged, counted `skipped`);
 * - syntax, invalid query, unauthorized and any other error: fail at once, no retry spent.
 *
 * Writes with the same key stay in order, also across retries. While an element waits to
 * be retried it stays held, so the sink pulls nothing more once `parallelism` are held:
 * the source is backpressured through an outage. An element is acknowledged when its
 * write succeeded. Resolves with a `CassandraWriteSummary`.
 *
 * - Emits when: never (a sink).
 * - Backpressures when: `parallelism` elements are held (writing, waiting to retry, or
 *   waiting behind an earlier write to the same key).
 * - Completes when: upstream completes and every write is done.
 * - Fails when: a write fails with an error that is not retried (a CassandraError naming
 *   the statement and key), retries run out (a RetriesExhaustedError with the last error
 *   as `cause` and the `attempts` made), or upstream fails.
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
  return defineSink<BoundStatement<T>, CassandraWriteSummary>(stage, async (upstream, ctx) => {
    const counts = new WriteCounts();
    const signal = retrySignal(ctx.signal, parallelism);
    await runKeyed(upstream, ctx, {
      parallelism,
      keyOf: (bound) => bound.key,
      write: (bound) => writeWithRetries(client, bound, ctx, signal, consistency, policy, counts),
    });
    return counts.summary();
  });
}
