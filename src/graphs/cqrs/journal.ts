/**
 * The journal rows one branch writes for one delivery (see tables.ts): a row in
 * `dendrites_journal` (by command id) and one in `dendrites_journal_by_bucket` (by time
 * bucket). They go in the same logged batch as the branch's own writes.
 */
import { types } from 'cassandra-driver';
import type { CqlBatchEntry } from '../../connectors/cassandra/client.js';
import { bucketOf } from '../../connectors/cassandra/event-log.js';
import type { CommandDelivery } from './domain.js';
import { JOURNAL_BY_BUCKET_TABLE, JOURNAL_TABLE, type JournalKind } from './tables.js';

/** The two INSERT texts per keyspace, built once (the same strings on every write). */
const texts = new Map<string, readonly [string, string]>();

function insertsOf(keyspace: string): readonly [string, string] {
  let t = texts.get(keyspace);
  if (t === undefined) {
    t = [
      `INSERT INTO ${keyspace}.${JOURNAL_TABLE} (command_id, kind, delivery_id, bucket, command, kafka_topic, kafka_partition, kafka_offset, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      `INSERT INTO ${keyspace}.${JOURNAL_BY_BUCKET_TABLE} (bucket, command_id, kind, delivery_id) VALUES (?, ?, ?, ?)`,
    ];
    texts.set(keyspace, t);
  }
  return t;
}

/**
 * The journal rows of one delivery written by one branch. `command` is the command as the
 * domain encodes it (the service branch stores it for the job; the log branch leaves it unset).
 */
export function journalWrites(keyspace: string, d: CommandDelivery<unknown>, kind: JournalKind, bucketMs: number, command: string | undefined): CqlBatchEntry[] {
  const { delivery } = d;
  const bucket = bucketOf(delivery.kafkaTimestamp, bucketMs);
  const [byCommand, byBucket] = insertsOf(keyspace);
  return [
    {
      query: byCommand,
      params: [d.commandId, kind, delivery.id, bucket, command, delivery.topic, delivery.partition, types.Long.fromString(String(delivery.offset)), new Date()],
    },
    { query: byBucket, params: [bucket, d.commandId, kind, delivery.id] },
  ];
}
