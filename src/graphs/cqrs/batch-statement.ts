/**
 * The service write of one delivery as ONE bound statement: a logged `BEGIN BATCH ...
 * APPLY BATCH` of the domain's upserts, so the service branch is a bind step and the
 * prebuilt `cassandraRetrySink` (which executes one statement per element). The batch is
 * all or nothing, and idempotent (the same delivery writes the same rows), so it is
 * retried on timeouts too. Each distinct batch text is prepared once by the driver.
 */
import type { CqlBatchEntry } from '../../connectors/cassandra/client.js';
import type { BoundStatement } from '../../connectors/cassandra/statement.js';

export function batchStatement<T>(entries: readonly CqlBatchEntry[], item: T, key: string | undefined): BoundStatement<T> {
  if (entries.length === 1) return { query: entries[0].query, params: entries[0].params, key, idempotent: true, item };
  const params: unknown[] = [];
  for (const e of entries) for (const p of e.params) params.push(p);
  return { query: batchText(entries), params, key, idempotent: true, item };
}

/**
 * The batch texts built so far, by their statements' texts: a domain writes a few shapes
 * of batch (the sample: transfer, open-account), so the text of a shape is built once and
 * the driver looks up the same string each time. Bounded: beyond 64 shapes, texts are
 * built per call.
 */
const texts: { readonly queries: readonly string[]; readonly text: string }[] = [];

function batchText(entries: readonly CqlBatchEntry[]): string {
  for (const t of texts) {
    if (t.queries.length !== entries.length) continue;
    let same = true;
    for (let i = 0; same && i < entries.length; i++) same = t.queries[i] === entries[i].query;
    if (same) return t.text;
  }
  const queries = entries.map((e) => e.query);
  const text = `BEGIN BATCH ${queries.join('; ')}; APPLY BATCH`;
  if (texts.length < 64) texts.push({ queries, text });
  return text;
}
