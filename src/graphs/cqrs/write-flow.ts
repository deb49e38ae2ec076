/**
 * The service as a flow, for the in-series wiring: executes each bound statement with the
 * retry policy of the Cassandra sinks and passes the element on once it is written (so
 * the event-log stage after it sees only what the service applied). Order is kept.
 */
import type { Flow } from '../../core/dsl.js';
import { mapAsync } from '../../stages/map-async.js';
import type { CqlClient } from '../../internal/cassandra/client.js';
import { type RetryPolicy, withRetries } from '../../internal/cassandra/retry.js';
import type { BoundStatement } from '../../internal/cassandra/statement.js';

export function writeThrough<T>(client: CqlClient, policy: RetryPolicy, parallelism: number, stage: string): Flow<BoundStatement<T>, T> {
  return mapAsync<BoundStatement<T>, T>(
    async (bound, { signal }) => {
      const context = { stage, statement: bound.query, key: bound.key, idempotent: bound.idempotent };
      await withRetries(() => client.execute(bound.query, [...bound.params], { prepare: true, isIdempotent: bound.idempotent }), policy, context, signal);
      return bound.item;
    },
    { parallelism, ordered: true },
  );
}
