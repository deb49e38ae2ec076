import { BehaviorSubject, type Observable } from 'rxjs';
import { AbortedError, AckError, ConfigError, inStage } from '../errors.js';
import { analyze } from './analyze.js';
import { FusedPull } from './fusion.js';
import type { Blueprint, GraphNode } from './blueprint.js';
import type { Ack, Chunk } from './chunk.js';
import { toMermaid } from './mermaid.js';
import { type MetricsSnapshot, MetricsRecorder, StageMetrics } from './metrics.js';
import type { Pull, StageContext } from './stage.js';

/** How a graph runs: given to `run(graph, options)`, `graph.run(options)` or `source.runWith(sink, options)`. */
export interface RunOptions {
  /** How many elements a sink (or any stage pulling on its own account) asks for at once: the most a sink holds. Default 512; lower it for large elements. */
  readonly inputBuffer?: number;
  /** How often `metrics$` emits a snapshot, in ms. Default 1000. */
  readonly metricsIntervalMs?: number;
  /** Aborting this signal aborts the run. */
  readonly signal?: AbortSignal;
}

/** How `stop()` ends a run: how long it may drain before the run is aborted. */
export interface StopOptions {
  /** After this long draining, the run is aborted. Default 30,000 ms. */
  readonly timeoutMs?: number;
}

/** A running graph. */
export interface RunHandle<R> {
  /** Resolves with the graph's result when every sink is done; rejects with the first error, named by stage. */
  readonly done: Promise<R>;
  /** Stops pulling from the sources, drains what is in flight, closes; resolves like `done`. */
  stop(options?: StopOptions): Promise<R>;
  /** Cancels now: `done` rejects with an AbortedError whose cause is `reason`. */
  abort(reason?: unknown): void;
  /** Per-stage counters, every `metricsIntervalMs` and once at the end; completes when the run ends. */
  readonly metrics$: Observable<MetricsSnapshot>;
}

/** Results of a graph's sinks, by node; a graph picks its own result from them. */
export type SinkResults = ReadonlyMap<GraphNode, unknown>;

// RunnableGraph is defined here, next to `run`, rather than in dsl.ts with Source, Flow and
// Sink: `run` takes one and `graph.run()` calls `run`, and dsl.ts imports both from here.

/** A closed graph: every port wired. Run it with `run(graph)`; run it as often as its stages allow. */
export class RunnableGraph<out R> {
  /** Type only (never set): the result. */
  declare readonly __result: R;

  /** @internal */
  constructor(
    /** @internal The stages and edges of the graph. */
    readonly blueprint: Blueprint,
    /** @internal Picks the graph's result from its sinks' results. */
    readonly pickResult: (results: SinkResults) => R,
  ) {}

  /** Runs this graph: `graph.run(options)` is `run(graph, options)`. */
  run(options?: RunOptions): RunHandle<R> {
    return run(this, options);
  }

  /** A Mermaid flowchart of the graph, for a person to look at. */
  toMermaid(): string {
    return toMermaid(this.blueprint);
  }
}

const DEFAULT_INPUT_BUFFER = 512;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Runs a closed graph. Structural mistakes (an unwired port, a duplicate name, a
 * single-use stage run twice, bad options) throw here, before anything runs.
 */
export function run<R>(graph: RunnableGraph<R>, options: RunOptions = {}): RunHandle<R> {
  const inputBuffer = positiveInt('inputBuffer', options.inputBuffer, DEFAULT_INPUT_BUFFER);
  const metricsIntervalMs = positiveInt('metricsIntervalMs', options.metricsIntervalMs, 1000);
  const { names, order, inputs } = analyze(graph.blueprint);

  const abortCtl = new AbortController();
  const drainCtl = new AbortController();
  let draining = false;
  const isDraining = (): boolean => draining;
  let firstError: unknown;
  const fail = (error: unknown): void => {
    if (firstError !== undefined) return;
    firstError = error;
    abortCtl.abort(error);
    for (const edge of edges) edge.abort(error);
  };
  const aborted = new Promise<never>((_, reject) => {
    abortCtl.signal.addEventListener('abort', () => reject(firstError), { once: true });
  });
  aborted.catch(() => {});

  const teardowns: { stage: string; fn: () => void | Promise<void> }[] = [];
  const metrics = new Map<GraphNode, StageMetrics>();
  const watches = new Map<GraphNode, AckWatch>();
  const outlets = new Map<GraphNode, readonly Pull<unknown>[]>();
  const edges: Edge<unknown>[] = [];
  const results: { node: GraphNode; outcome: Promise<{ value: unknown } | undefined> }[] = [];

  /** A step stage after a step stage joins its chain (see FusedPull) instead of pulling through an edge. */
  function fuse(node: GraphNode, ctx: StageContext): boolean {
    const edge = inputs.get(node)?.[0];
    if (edge === undefined) return false;
    const upstream = outlets.get(edge.from)?.[edge.fromPort];
    if (node.stage.step === undefined || !(upstream instanceof FusedPull)) return false;
    upstream.append(node.stage.step, ctx);
    outlets.set(node, [upstream]);
    watches.set(node, watches.get(edge.from) as AckWatch); // the chain takes in what its first stage does
    return true;
  }

  try {
    for (const node of order) {
      const name = names.get(node) as string;
      const m = new StageMetrics(name, node.stage.kind);
      metrics.set(node, m);
      const ctx: StageContext = {
        name,
        signal: abortCtl.signal,
        draining: drainCtl.signal,
        isDraining,
        inputBuffer,
        metrics: m,
        onClose: (fn) => void teardowns.push({ stage: name, fn }),
        fail: (error) => fail(inStage(error, name)),
      };
      if (fuse(node, ctx)) continue;
      const watch = new AckWatch(node.stage.inputs);
      watches.set(node, watch);
      const inlets = (inputs.get(node) ?? []).map((edge) => {
        const upstream = outlets.get(edge.from)?.[edge.fromPort];
        if (upstream === undefined) throw new Error('internal: upstream not materialized');
        const from = { metrics: metrics.get(edge.from) as StageMetrics, watch: watches.get(edge.from) as AckWatch };
        const wrapped = new Edge(upstream, from, { metrics: m, watch }, edge.from.stage.inputs === 0, fail);
        edges.push(wrapped);
        return wrapped;
      });
      const materialized = node.stage.materialize(ctx, inlets);
      outlets.set(node, materialized.outlets);
      if (materialized.result !== undefined) {
        // Settles when the sink is done, fails, or the run is aborted, whichever is first.
        const outcome = Promise.race([materialized.result, aborted]).then(
          (value) => ({ value }),
          (error: unknown) => {
            if (!abortCtl.signal.aborted) fail(inStage(error, name));
            return undefined;
          },
        );
        results.push({ node, outcome });
      }
    }
  } catch (error) {
    abortCtl.abort(error);
    void closeAll(teardowns);
    throw error;
  }

  if (options.signal !== undefined) {
    const external = options.signal;
    if (external.aborted) fail(new AbortedError('run aborted', { cause: external.reason }));
    else external.addEventListener('abort', () => fail(new AbortedError('run aborted', { cause: external.reason })), { once: true });
  }

  const recorder = new MetricsRecorder([...metrics.values()]);
  const metrics$ = new BehaviorSubject<MetricsSnapshot>(recorder.snapshot());
  const timer = setInterval(() => metrics$.next(recorder.snapshot()), metricsIntervalMs);
  timer.unref();

  const done = (async (): Promise<R> => {
    const outcomes = await Promise.all(results.map((r) => r.outcome));
    const closeError = await closeAll(teardowns);
    if (closeError !== undefined) fail(closeError);
    clearInterval(timer);
    metrics$.next(recorder.snapshot());
    metrics$.complete();
    if (firstError !== undefined) throw firstError;
    return graph.pickResult(new Map(results.map((r, i) => [r.node, outcomes[i]?.value])));
  })();

  const abort = (reason?: unknown): void => fail(new AbortedError('run aborted', { cause: reason }));
  let stopTimer: NodeJS.Timeout | undefined;
  const stop = (stopOptions: StopOptions = {}): Promise<R> => {
    const timeoutMs = positiveInt('timeoutMs', stopOptions.timeoutMs, 30_000);
    if (!draining) {
      draining = true;
      drainCtl.abort();
      stopTimer = setTimeout(() => abort(new Error(`stop did not drain within ${timeoutMs} ms`)), timeoutMs);
      stopTimer.unref();
    }
    return done;
  };
  void done.finally(() => clearTimeout(stopTimer)).catch(() => {});
  return { done, stop, abort, metrics$: metrics$.asObservable() };
}

/** Runs every teardown once, sinks first; returns the first error any of them threw. */
async function closeAll(teardowns: { stage: string; fn: () => void | Promise<void> }[]): Promise<unknown> {
  let first: unknown;
  while (teardowns.length > 0) {
    const t = teardowns.pop() as { stage: string; fn: () => void | Promise<void> };
    try {
      await t.fn();
    } catch (error) {
      first ??= inStage(error, t.stage);
    }
  }
  return first;
}

/**
 * Whether what a stage takes in carries acknowledgements, in which case every chunk it
 * emits must carry one per element (checked by the edges out of it). A stage with several
 * inputs is held to it once each of them has carried acks. An input that has carried a
 * chunk without acks (it carries untracked elements, maybe among tracked ones) turns the
 * check off for good: the stage may then rightly emit chunks without acks. A source has no
 * inputs, so it is never held to it: a source decides whether it tracks.
 */
class AckWatch {
  /** Every chunk the stage emits must carry an ack per element. */
  mustAck = false;
  #tracked = 0; // inputs that have carried acks
  #untracked = false; // an input has carried a chunk without acks

  constructor(private readonly inputs: number) {}

  /** An input carried acks for the first time. */
  inputTracked(): void {
    this.#tracked++;
    this.mustAck = !this.#untracked && this.#tracked === this.inputs;
  }

  /** An input carried a chunk without acks. */
  inputUntracked(): void {
    this.#untracked = true;
    this.mustAck = false;
  }
}

/** One end of an edge: the stage's counters and what it takes in. */
interface EdgeEnd {
  readonly metrics: StageMetrics;
  readonly watch: AckWatch;
}

// What an edge has carried so far, for its downstream's AckWatch.
const CARRIED_NOTHING = 0;
const CARRIED_TRACKED = 1; // only chunks with acks
const CARRIED_UNTRACKED = 2; // at least one chunk without acks
type Carried = typeof CARRIED_NOTHING | typeof CARRIED_TRACKED | typeof CARRIED_UNTRACKED;

/**
 * Wraps the Pull on one edge: counts elements out of the upstream and into the
 * downstream, and names the stage an error came from. An edge out of a source (the
 * stages that wait on the outside world) also gives up as soon as the run aborts; at
 * most one pull is pending per edge, so that needs one slot per edge, not a listener per
 * pull. Other edges wait only on their own upstream, so they take the cheaper path.
 *
 * It also holds stages to the ack rule (docs/engine.md): a chunk that leaves a stage whose
 * input carries acks must carry one per element, or the run fails with an AckError naming
 * the stage. That costs a few comparisons per chunk, none per element.
 */
class Edge<T> implements Pull<T> {
  #pendingReject: ((error: unknown) => void) | undefined;
  #aborted: { readonly error: unknown } | undefined; // set by abort(), when the run fails or is aborted
  #carried: Carried = CARRIED_NOTHING;
  private readonly from: StageMetrics;
  private readonly to: StageMetrics;
  private readonly fromWatch: AckWatch;
  private readonly toWatch: AckWatch;

  constructor(
    private readonly upstream: Pull<T>,
    from: EdgeEnd,
    to: EdgeEnd,
    private readonly fromSource: boolean,
    private readonly failRun: (error: unknown) => void,
  ) {
    this.from = from.metrics;
    this.to = to.metrics;
    this.fromWatch = from.watch;
    this.toWatch = to.watch;
  }

  pull(max: number): Promise<Chunk<T> | undefined> {
    let pending: Promise<Chunk<T> | undefined>;
    try {
      pending = this.upstream.pull(max);
    } catch (error) {
      pending = Promise.reject(error); // a pull that throws at once is still the upstream's failure
    }
    const counted = pending.then(this.#count, this.#name);
    return this.fromSource ? this.#abortable(counted) : counted;
  }

  readonly #count = (chunk: Chunk<T> | undefined): Chunk<T> | undefined => {
    if (chunk !== undefined) {
      const n = chunk.items.length;
      this.from.out += n;
      this.to.in += n;
      const acks = chunk.acks;
      if (this.fromWatch.mustAck && (acks?.length ?? 0) !== n) this.#lostAcks(n, acks);
      if (acks === undefined ? this.#carried !== CARRIED_UNTRACKED : this.#carried === CARRIED_NOTHING) this.#carry(acks !== undefined);
    }
    return chunk;
  };

  /** What this edge carries changed: tells its downstream's AckWatch. */
  #carry(tracked: boolean): void {
    if (tracked) {
      this.#carried = CARRIED_TRACKED;
      this.toWatch.inputTracked();
    } else {
      this.#carried = CARRIED_UNTRACKED;
      this.toWatch.inputUntracked();
    }
  }

  /** The upstream stage lost acks: fails the run, and this pull, with an AckError naming it. */
  #lostAcks(n: number, acks: readonly Ack[] | undefined): never {
    const stage = this.from.stage;
    const what = acks === undefined ? 'no acks' : `${acks.length} ack${acks.length === 1 ? '' : 's'}`;
    const error = new AckError(
      `stage '${stage}' emitted a chunk of ${n} element${n === 1 ? '' : 's'} with ${what}, but its input carried acks: a stage must pass each element's ack on (see docs/engine.md)`,
      { stage },
    );
    this.failRun(error);
    throw error;
  }

  readonly #name = (error: unknown): never => {
    throw this.#aborted !== undefined ? error : inStage(error, this.from.stage);
  };

  #abortable(pending: Promise<Chunk<T> | undefined>): Promise<Chunk<T> | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#aborted !== undefined) return reject(this.#aborted.error);
      this.#pendingReject = reject;
      pending.then(
        (chunk) => {
          this.#pendingReject = undefined;
          resolve(chunk);
        },
        (error: unknown) => {
          this.#pendingReject = undefined;
          reject(error);
        },
      );
    });
  }

  cancel(reason?: unknown): Promise<void> {
    return this.upstream.cancel(reason);
  }

  /** The run aborted: a pull still waiting rejects now with the run's first error. */
  abort(error: unknown): void {
    this.#aborted ??= { error };
    this.#pendingReject?.(error);
    this.#pendingReject = undefined;
  }
}
