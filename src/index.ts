/**
 * `dendrites`: the engine (sources, flows, sinks, junctions, `run`), the graph builder, the
 * errors, and the general stages. Connectors and the CQRS layer are subpaths:
 * `dendrites/kafka`, `dendrites/cassandra`, `dendrites/avro`, `dendrites/cqrs`; writing your own
 * stage: `dendrites/stage`; testing: `dendrites/testkit`. Importing this module connects to
 * nothing and loads neither kafkajs nor cassandra-driver.
 *
 * @module dendrites
 */
export type { Ack, Chunk } from './core/chunk.js';
export type { Pull, StageContext, Emit, OpenStep, StepOutput } from './core/stage.js';
export type { MetricsSnapshot, StageMetricsSnapshot } from './core/metrics.js';
export { Source, Flow, Sink, Junction, defineSource, defineFlow, defineStep, defineSink, defineJunction, type Pulls } from './core/dsl.js';
export { run, RunnableGraph, type RunHandle, type RunOptions, type StopOptions } from './core/run.js';
export { graph, GraphBuilder, type StageHandle, type SourceHandle, type FlowHandle, type SinkHandle, type JunctionHandle, type NamedHandle, type PortRef, type InPort, type OutPort, type Step, type Out, type Through, type In } from './graphs/builder.js';
export * from './errors.js';

export { fromIterable, fromArray } from './stages/from-iterable.js';
export { fromAsyncIterable } from './stages/from-async-iterable.js';
export { map } from './stages/map.js';
export { filter } from './stages/filter.js';
export { broadcast, type BroadcastOptions, type BroadcastCancelPolicy } from './stages/broadcast.js';
export { forEach, type ForEachOptions, type SinkCallContext } from './stages/for-each.js';
export { collect } from './stages/collect.js';
export { fold } from './stages/fold.js';
export { ignore } from './stages/ignore.js';
export { mapAsync, type MapAsyncOptions, type MapAsyncCallContext } from './stages/map-async.js';
export { merge, type MergeOptions } from './stages/merge.js';
export { zip } from './stages/zip.js';
export { buffer, type BufferOptions, type OverflowStrategy } from './stages/buffer.js';
export { groupedWithin, type GroupedWithinOptions } from './stages/grouped-within.js';
export { throttle, type ThrottleOptions } from './stages/throttle.js';
export { fromObservable, type FromObservableOptions } from './stages/from-observable.js';
export { toObservable, type ToObservableOptions } from './stages/to-observable.js';
