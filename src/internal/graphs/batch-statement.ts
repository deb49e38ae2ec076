/**
 * The service write of one delivery as ONE bound statement: a logged `BEGIN BATCH ...
 * APPLY BATCH` of the domain's upserts, so the service branch is a bind step and the
 * prebuilt `cassandraRetrySink` (which executes one statement per element). The batch is
 * all or nothing, and idempotent (the same delivery writes the same rows), so it is
 * retried on timeouts too. Each distinct batch text is prepared once by the driver.
 */
import type { CqlBatchEntry } from '../cassandra/client.js';
import type { BoundStatement } from '../cassandra/statement.js';

export function batchStatement<T>(entries: readonly CqlBatchEntry[], item: T, key: string | undefined): BoundStatement<T> {
  if (entries.length === 1) return { query: entries[0].query, params: entries[0].params, key, idempotent: true, item };
  const query = `BEGIN BATCH ${entries.map((e) => e.query).join('; ')}; APPLY BATCH`;
  const params = entries.flatMap((e) => e.params);
  return { query, params, key, idempotent: true, item };
}
