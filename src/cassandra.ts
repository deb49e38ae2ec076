/**
 * `dendrites/cassandra`: Cassandra stages (cassandra-driver underneath: pass its `Client`), the
 * event log, and the keyspace and table helpers.
 *
 * @module dendrites/cassandra
 */
export type { CqlClient, CqlQueryOptions, CqlResult, CqlBatchEntry } from './connectors/cassandra/client.js';
export type { OnRecordError } from './connectors/cassandra/write.js';
export { DEFAULT_GIVE_UP_AFTER_MS } from './connectors/cassandra/retry.js';
export { cassandraBind, type CassandraBindOptions, type BindContext, type BoundStatement } from './stages/cassandra-bind.js';
export { cassandraSink, type CassandraSinkOptions, type CassandraWriteSummary } from './stages/cassandra-sink.js';
export { cassandraRetrySink, type CassandraRetrySinkOptions, type RetryOptions } from './stages/cassandra-retry-sink.js';
export { cassandraQuery, type CassandraQueryOptions } from './stages/cassandra-query.js';
export { eventLogSink, type EventLogSinkOptions, type EventLogEntry, type LoggedEvent, type Delivery } from './stages/event-log-sink.js';
export { cqlIdentifier, createKeyspace, dropKeyspace, createEventLogTables, eventLogTablesCql, EVENT_LOG_TABLE, EVENT_LOG_BY_AGGREGATE_TABLE, type CreateKeyspaceOptions, type Replication } from './connectors/cassandra/schema.js';
export { bucketOf, bucketsBetween, newDeliveryId, DEFAULT_BUCKET_MS } from './connectors/cassandra/event-log.js';
