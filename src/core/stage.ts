import type { Ack, Chunk } from './chunk.js';
import type { StageMetrics } from './metrics.js';

/**
 * The pull protocol between two stages. The downstream owns the Pull of its upstream.
 *
 * - `pull(max)` asks for at most `max` (≥ 1) elements. It resolves with a chunk of 1..max
 *   elements, or `undefined` when the upstream has completed; it rejects when the
 *   upstream failed. At most one pull is outstanding at a time, and nothing is produced
 *   without one: this is the backpressure.
 * - `cancel(reason)` says the downstream wants nothing more. It is idempotent; a pull
 *   still pending then resolves `undefined` or rejects.
 */
export interface Pull<T> {
  /** Asks for at most `max` (≥ 1) elements: a chunk of 1..max, or `undefined` once the upstream has completed. */
  pull(max: number): Promise<Chunk<T> | undefined>;
  /** Says the downstream wants nothing more; idempotent. */
  cancel(reason?: unknown): Promise<void>;
}

/** What a stage gets from the runtime for one run. Everything mutable lives per run. */
export interface StageContext {
  /** The stage's unique name in its graph. */
  readonly name: string;
  /** Aborted when the run fails or is aborted: stop waiting, give up. */
  readonly signal: AbortSignal;
  /** Aborted when `stop()` is called: sources complete instead of producing more. */
  readonly draining: AbortSignal;
  /**
   * Whether `stop()` has been called: the same as `draining.aborted`, and what a source should
   * ask on each pull. (In Node every AbortSignal has a hidden class of its own, so reading
   * `.aborted` in a per-chunk path deoptimises that code on every new run.)
   */
  isDraining(): boolean;
  /** How many elements a stage that pulls on its own account asks for at once. */
  readonly inputBuffer: number;
  /** The stage's counters for this run (`count` adds to a named one). */
  readonly metrics: StageMetrics;
  /** Registers teardown; the runtime runs each exactly once, when the run ends, sinks first. */
  onClose(teardown: () => void | Promise<void>): void;
  /** Fails the run from a background task of this stage. */
  fail(error: unknown): void;
}

/** Hands one element, with its acknowledgement when tracked, to the next stage of a chain. */
export type Emit<T> = (item: T, ack: Ack | undefined) => void;

/** Where a step stage's output goes. Call these as methods: `out.emit(item, ack)`. */
export interface StepOutput<O> {
  /** Passes an element on. */
  emit(item: O, ack: Ack | undefined): void;
  /** Drops an element: it counts as processed (its acknowledgement is called). */
  drop(ack: Ack | undefined): void;
}

/**
 * Opens a step stage for one run: given where its output goes, returns what it does
 * with each element. It must name itself (`inStage(error, ctx.name)`) in what it throws.
 */
export type OpenStep<I, O> = (ctx: StageContext, out: StepOutput<O>) => Emit<I>;

export interface Materialized {
  readonly outlets: readonly Pull<unknown>[];
  /** Sinks: the promise of what the sink produces; the run is done when all settle. */
  readonly result?: Promise<unknown>;
}

/**
 * An immutable, reusable stage definition: `inputs` inlets, `outputs` outlets.
 * `materialize` creates all per-run state.
 */
export interface StageDef {
  readonly kind: string;
  readonly inputs: number;
  readonly outputs: number;
  materialize(ctx: StageContext, inlets: readonly Pull<unknown>[]): Materialized;
  /** Step stages only (see `defineStep`): the runtime fuses a chain of them into one loop. */
  readonly step?: OpenStep<unknown, unknown>;
}
