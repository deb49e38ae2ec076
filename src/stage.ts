/**
 * `dendrites/stage`: the stage author's kit. What you need to write a source, flow, step,
 * sink or junction of your own that keeps the engine's promises (backpressure, acks, teardown):
 * the `define*` functions, the pull protocol's types, the chunk and acknowledgement helpers,
 * the sink loop `drain`, and the option validators that throw a `ConfigError` when a stage is built.
 * docs/engine.md explains how they fit together.
 *
 * @module dendrites/stage
 */
export { defineSource, defineFlow, defineStep, defineSink, defineJunction, type Pulls } from './core/dsl.js';
export type { Emit, OpenStep, StepOutput, Pull, StageContext } from './core/stage.js';
export type { StageMetrics } from './core/metrics.js';
export { type Ack, type Chunk, chunkOf, ackAll, ackAt, sliceChunk, mapChunk, ChunkBuilder, noAck, splitAck } from './core/chunk.js';
export { drain } from './core/drain.js';
export { positiveInteger, nonNegative } from './core/options.js';
export { sleep } from './core/time.js';
export { Wakeup, deferred, type Deferred } from './core/wakeup.js';
