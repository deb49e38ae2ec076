/**
 * The library's own tables in a CQRS keyspace: the event log (two tables) and the
 * journal (two tables). A domain never creates or reads them; `createCqrsTables` does,
 * once per keyspace, and every statement is `IF NOT EXISTS`. schemas/cqrs.cql shows them
 * for a person to read.
 *
 * `dendrites_journal`: one row per delivery a branch wrote, partitioned by command id, so
 * the job reads every delivery of a command, whatever its time bucket, in one partition
 * read. `kind` is `applied` (the service branch wrote it in the same logged batch as the
 * domain's upserts) or `logged` (the event-log branch wrote it in the same batch as the
 * events). The static columns are the job's record of what it corrected.
 *
 * `dendrites_journal_by_bucket`: the same deliveries by time bucket of the Kafka record
 * timestamp (stable across redeliveries), clustered by command id: a sorted partition scan
 * lists the commands of one bucket without ALLOW FILTERING.
 *
 * `dendrites_claims`: prevent mode only (`duplicates: 'prevent'`): one row per command,
 * the delivery that claimed it. Written ONLY by a lightweight transaction (`INSERT ... IF
 * NOT EXISTS`) and read only at SERIAL, never updated or deleted, so LWT and plain writes
 * never meet on its cells. docs/cqrs.md, "Prevent mode", says why.
 */
import type { CqlClient } from '../../connectors/cassandra/client.js';
import { cqlIdentifier, createEventLogTables, eventLogTablesCql } from '../../connectors/cassandra/schema.js';

/** The journal: one row per delivery a branch wrote, partitioned by command id. */
export const JOURNAL_TABLE = 'dendrites_journal';
/** The journal by time bucket: the command ids of one bucket, for the job's scan. */
export const JOURNAL_BY_BUCKET_TABLE = 'dendrites_journal_by_bucket';

/** Prevent mode's claims: one row per command, the delivery whose effects are the command's (written only by an LWT). */
export const CLAIMS_TABLE = 'dendrites_claims';

/** A journal row's kind: which branch wrote the delivery. */
export type JournalKind = 'applied' | 'logged';

/** The CREATE TABLE statements of the journal (and prevent mode's claims) in `keyspace`. */
export function journalTablesCql(keyspace: string): string[] {
  const ks = cqlIdentifier('keyspace', keyspace);
  return [
    `CREATE TABLE IF NOT EXISTS ${ks}.${JOURNAL_TABLE} (
  command_id     text,
  kind           text,
  delivery_id    timeuuid,
  bucket         timestamp,
  command        text,
  kafka_topic    text,
  kafka_partition int,
  kafka_offset   bigint,
  written_at     timestamp,
  compensated    int static,
  compensated_at timestamp static,
  PRIMARY KEY ((command_id), kind, delivery_id)
) WITH CLUSTERING ORDER BY (kind ASC, delivery_id ASC)`,
    `CREATE TABLE IF NOT EXISTS ${ks}.${JOURNAL_BY_BUCKET_TABLE} (
  bucket      timestamp,
  command_id  text,
  kind        text,
  delivery_id timeuuid,
  PRIMARY KEY ((bucket), command_id, kind, delivery_id)
) WITH CLUSTERING ORDER BY (command_id ASC, kind ASC, delivery_id ASC)`,
    `CREATE TABLE IF NOT EXISTS ${ks}.${CLAIMS_TABLE} (
  command_id      text PRIMARY KEY,
  delivery_id     timeuuid,
  kafka_timestamp timestamp,
  kafka_topic     text,
  kafka_partition int,
  kafka_offset    bigint,
  claimed_at      timestamp
)`,
  ];
}

/** Every CREATE TABLE statement `createCqrsTables` runs: the event log's, then the journal's. */
export function cqrsTablesCql(keyspace: string): string[] {
  return [...eventLogTablesCql(keyspace), ...journalTablesCql(keyspace)];
}

/** Creates the library's tables (event log and journal) in `keyspace`, which must exist; harmless to repeat. */
export async function createCqrsTables(client: CqlClient, keyspace: string): Promise<void> {
  await createEventLogTables(client, keyspace);
  for (const cql of journalTablesCql(keyspace)) await client.execute(cql, [], {});
}
