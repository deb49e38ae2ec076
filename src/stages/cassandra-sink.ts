import { defineSink, type Sink } from '../core/dsl.js';
import { positiveInteger } from '../internal/options.js';
import type { CqlClient } from '../internal/cassandra/client.js';
import { runKeyed } from '../internal/cassandra/keyed.js';
import type { BoundStatement } from '../internal/cassandra/statement.js';
import { type CassandraWriteSummary, WriteCounts, clientOption, writeOnce } from '../internal/cassandra/write.js';

export type { CqlClient } from '../internal/cassandra/client.js';
export type { CassandraWriteSummary } from '../internal/cassandra/write.js';

export interface CassandraSinkOptions {
  /** A connected cassandra-driver `Client` (the stage never connects or shuts it down). */
  readonly client: CqlClient;
  /** How many writes may be in flight at once. Default 16. */
  readonly parallelism?: number;
  /** Consistency level of every write (`types.consistencies`). Default: the client's. */
  readonly consistency?: number;
}

/**
 * Executes bound statements (from `cassandraBind`), prepared, with at most `parallelism`
 * in flight. Writes with the same key run one after the other in the order they arrived
 * (a second write to a key waits for the first). An element is acknowledged only once its
 * write succeeded, so a Kafka offset commits only for what is in Cassandra. It does not
 * retry: use `cassandraRetrySink` for that. Resolves with a `CassandraWriteSummary`.
 *
 * - Emits when: never (a sink).
 * - Backpressures when: `parallelism` elements are held, running or waiting behind an
 *   earlier write to the same key (it never pulls more than it can hold).
 * - Completes when: upstream completes and every write is done.
 * - Fails when: a write fails (a CassandraError naming the statement and key; the element
 *   is not acknowledged), or upstream fails.
 * - Cancels when: never on its own.
 *
 * @example examples/cassandra-sink.ts
 */
export function cassandraSink<T>(options: CassandraSinkOptions): Sink<BoundStatement<T>, CassandraWriteSummary> {
  const stage = 'cassandraSink';
  const client = clientOption(stage, options?.client);
  const parallelism = positiveInteger(stage, 'parallelism', options.parallelism, 16);
  const consistency = options.consistency;
  return defineSink<BoundStatement<T>, CassandraWriteSummary>(stage, async (upstream, ctx) => {
    const counts = new WriteCounts();
    await runKeyed(upstream, ctx, {
      parallelism,
      keyOf: (bound) => bound.key,
      write: (bound) => writeOnce(client, bound, ctx, consistency, counts),
    });
    return counts.summary();
  });
}
