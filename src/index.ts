// The public API of dendrites. Everything not exported here is internal.
export type { Ack, Chunk } from './core/chunk.js';
export type { Pull, StageContext } from './core/stage.js';
export type { MetricsSnapshot, StageMetricsSnapshot } from './core/metrics.js';
export { Source, Flow, Sink, Junction, RunnableGraph, defineSource, defineFlow, defineStep, defineSink, defineJunction } from './core/dsl.js';
export type { Emit, OpenStep, StepOutput } from './core/fusion.js';
export { run, type RunHandle, type RunOptions, type StopOptions } from './core/run.js';
export { graph, GraphBuilder, type StageHandle, type SinkHandle, type JunctionHandle, type PortRef, type Step } from './graphs/builder.js';
export * from './errors.js';

export { fromIterable, fromArray } from './stages/from-iterable.js';
export { fromAsyncIterable } from './stages/from-async-iterable.js';
export { map } from './stages/map.js';
export { filter } from './stages/filter.js';
export { broadcast } from './stages/broadcast.js';
export { forEach, type ForEachOptions, type SinkCallContext } from './stages/for-each.js';
export { collect } from './stages/collect.js';
export { fold } from './stages/fold.js';
export { ignore } from './stages/ignore.js';
export { mapAsync, type MapAsyncOptions, type MapAsyncCallContext } from './stages/map-async.js';
export { merge, type MergeOptions } from './stages/merge.js';
export { zip } from './stages/zip.js';
export { buffer, type OverflowStrategy } from './stages/buffer.js';
export { groupedWithin } from './stages/grouped-within.js';
export { throttle, type ThrottleOptions } from './stages/throttle.js';
export { fromObservable, type FromObservableOptions } from './stages/from-observable.js';
export { toObservable, type ToObservableOptions } from './stages/to-observable.js';
export { cassandraBind, type CassandraBindOptions, type BindContext, type BoundStatement } from './stages/cassandra-bind.js';
export { cassandraSink, type CassandraSinkOptions, type CassandraWriteSummary, type CqlClient } from './stages/cassandra-sink.js';
export { cassandraRetrySink, type CassandraRetrySinkOptions, type RetryOptions } from './stages/cassandra-retry-sink.js';
export { eventLogSink, type EventLogSinkOptions, type EventLogEntry, type LoggedEvent, type Delivery } from './stages/event-log-sink.js';
export { createKeyspace, dropKeyspace, createEventLogTables, eventLogTablesCql, EVENT_LOG_TABLE, EVENT_LOG_BY_AGGREGATE_TABLE, type CreateKeyspaceOptions, type Replication } from './internal/cassandra/schema.js';
export { bucketOf, bucketsBetween, newDeliveryId, DEFAULT_BUCKET_MS } from './internal/cassandra/event-log.js';
export { cassandraQuery, type CassandraQueryOptions } from './stages/cassandra-query.js';
export { kafkaSource, type KafkaSourceOptions, type ConsumerRecords, type KafkaRecord, type KafkaHeaders } from './stages/kafka-source.js';
export { consumerRecordsDequeue } from './stages/consumer-records-dequeue.js';
export { avroDeserializer, type AvroDeserializerOptions, type Decoded, type Valid, type Invalid } from './stages/avro-deserializer.js';
export { avroSerializer, type AvroSerializerOptions } from './stages/avro-serializer.js';
export { deadLetter, type DeadLetterOptions, DEAD_LETTER_HEADERS } from './stages/dead-letter.js';
export { kafkaSink, type KafkaSinkOptions, type KafkaSinkResult, type OutgoingMessage } from './stages/kafka-sink.js';
export type { KafkaClientOptions } from './internal/kafka/client.js';
export type { CqlQueryOptions, CqlResult, CqlBatchEntry } from './internal/cassandra/client.js';

// CQRS: your domain, the command graphs, the library's tables and the compensation job.
export { defineDomain, eventId, type CommandDomain, type CommandDecoding, type CommandDelivery, type CqlStatement, type DomainContext, type DomainEvent } from './graphs/cqrs/domain.js';
export { createCqrsTables, cqrsTablesCql, journalTablesCql, JOURNAL_TABLE, JOURNAL_BY_BUCKET_TABLE, type JournalKind } from './graphs/cqrs/tables.js';
export type { DemoSample, DemoScenario, ProducedRecord, StateCheck } from './graphs/cqrs/sample.js';
export { parallelCommandGraph, seriesCommandGraph, type CommandGraphOptions, type CommandGraphResult, type SeriesGraphResult, type BranchFunction, type Branch, type FaultHooks, DEFAULT_GRAPH_PARALLELISM, GRAPH_FETCH_DEFAULTS } from './graphs/command-graph.js';
export { compensate, type CompensateOptions, type CompensationSummary, type CompensationProgress, type CommandReport } from './graphs/compensation-job.js';
