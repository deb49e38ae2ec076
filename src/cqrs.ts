/**
 * `dendrites/cqrs`: your domain, the command graphs, the library's tables, and the jobs that
 * repair what at-least-once delivery leaves behind (compensate, reconcile).
 *
 * @module dendrites/cqrs
 */
export { defineDomain, eventId, type CommandDomain, type CommandDecoding, type CommandDelivery, type CqlStatement, type DomainContext, type DomainEvent } from './graphs/cqrs/domain.js';
export { createCqrsTables, cqrsTablesCql, journalTablesCql, JOURNAL_TABLE, JOURNAL_BY_BUCKET_TABLE, CLAIMS_TABLE, type JournalKind } from './graphs/cqrs/tables.js';
export type { DemoSample, DemoScenario, ProducedRecord, StateCheck } from './graphs/cqrs/sample.js';
export { parallelCommandGraph, seriesCommandGraph, type CommandGraphOptions, type DuplicatesMode, type CommandGraphResult, type SeriesGraphResult, type BranchFunction, type Branch, type FaultHooks, DEFAULT_GRAPH_PARALLELISM, GRAPH_FETCH_DEFAULTS } from './graphs/command-graph.js';
export { compensate, type CompensateOptions, type CompensationSummary, type CompensationProgress, type CommandReport } from './graphs/compensation-job.js';
export { reconcile, type ReconcileOptions, type ReconcileReport, type ReconcileSummary } from './graphs/reconcile.js';
