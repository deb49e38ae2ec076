// The conformance harness: the promises every stage makes (backpressure, failure, cancel,
// abort, stop, teardown, acks), checked the same way for each, as the Reactive Streams TCK
// does for publishers and subscribers. A table lists one case per stage, made with
// `source`, `flow`, `fanOut`, `fanIn`, `sink` or `observable`; `conformance(cases)` writes a
// test per property that applies to the case's kind (a source has no upstream to cancel, a
// sink emits nothing to backpressure) and none for the others.
//
// The stage under test runs for real, between the harness's own stages: upstreams that hand
// out tracked elements (each with an ack the harness counts) and downstreams that pull
// (the testkit's probe sink where demand matters, a collecting sink that acknowledges what it
// got after a pause elsewhere). The stage is instrumented only to count its teardowns.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Observable } from 'rxjs';
import { AbortedError, defineSink, defineSource, Flow, graph, type GraphBuilder, Junction, type MetricsSnapshot, type RunHandle, Sink, Source, type StageMetricsSnapshot } from 'dendrites';
import { type Ack, ackAll, drain } from 'dendrites/stage';
import { probeSink } from 'dendrites/testkit';
import type { Blueprint, GraphNode } from '../../src/core/blueprint.js';
import type { StageContext, StageDef } from '../../src/core/stage.js';

// ---- options and small helpers ---------------------------------------------------------

/** How a suite runs its cases. */
export interface HarnessOptions {
  /** What "promptly" means: the most a run may take to end after a failure, cancel, abort or stop, ms. Default 1000. */
  readonly promptMs?: number;
  /** How many elements a source case makes when it must outlast the test. Default 1000. */
  readonly plenty?: number;
  /** How long a run of the acks property (40 elements) may take, ms. Default 10 × promptMs. */
  readonly runMs?: number;
}

interface Settings {
  readonly promptMs: number;
  readonly plenty: number;
  readonly runMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `ready()` holds, checking every few ms; fails naming `what` after `timeoutMs`. */
async function eventually(what: string, ready: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** How a run ended: completed, or the error it failed with. */
type Outcome = { readonly completed: true } | { readonly completed: false; readonly error: unknown };

/** How `done` (or `stop()`) settles, within `timeoutMs`, or a failure naming `what`. */
async function settles(what: string, done: Promise<unknown>, timeoutMs: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`expected ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([done.then((): Outcome => ({ completed: true }), (error: unknown): Outcome => ({ completed: false, error })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The messages of an error and of its causes, joined: a wrapped error still shows the original. */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? e.message : inspect(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(' <- ');
}

function stageOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('stage' in error)) return undefined;
  const stage = (error as { stage: unknown }).stage;
  return typeof stage === 'string' ? stage : undefined;
}

// ---- the harness's upstream: a source of tracked elements ------------------------------

/** Says whether a harness sink is acknowledging right now, so that an upstream can tell an ack that came from downstream. */
class AckScope {
  depth = 0;

  run(acknowledge: () => void): void {
    this.depth++;
    try {
      acknowledge();
    } finally {
      this.depth--;
    }
  }
}

interface UpstreamOptions<T> {
  readonly generate: (i: number) => T;
  /** Completes after this many elements. Default: when the run is stopped. */
  readonly count?: number;
  /** Hands out this many, then keeps the next pull waiting (the stage goes idle) until `fail`. */
  readonly pauseAfter?: number;
  readonly scope: AckScope;
  /** Asked inside each ack: false means the element was acknowledged before it was processed. */
  readonly processed?: (item: T) => boolean | Promise<boolean>;
}

/** What a property sees of an upstream: everything but the element type. */
export interface UpstreamView {
  readonly name: string;
  /** Elements handed out so far. */
  readonly handedOut: number;
  /** `acked[i]`: how many times element i's ack was called. */
  readonly acked: readonly number[];
  /** Acks called while no harness sink was acknowledging: the stage finished those elements itself. */
  readonly outsideSink: number;
  /** Reasons it was cancelled with. */
  readonly cancels: readonly unknown[];
  /** How many times its teardown ran. */
  readonly closed: number;
  /** Breaches of the pull protocol and acks before processing, in words. */
  readonly violations: readonly string[];
  /** Checks of `processed` that answer later. */
  readonly pendingChecks: readonly Promise<void>[];
  /** Resolves once a pull waits with nothing to hand out (see `pauseAfter`). */
  idle(timeoutMs: number): Promise<void>;
  /** Fails the waiting (or next) pull with `error`. */
  fail(error: unknown): void;
}

class Upstream<T> implements UpstreamView {
  readonly source: Source<T>;
  handedOut = 0;
  readonly acked: number[] = [];
  outsideSink = 0;
  readonly cancels: unknown[] = [];
  closed = 0;
  readonly violations: string[] = [];
  readonly pendingChecks: Promise<void>[] = [];
  #waiting = false; // a pull is parked: paused, nothing to hand out
  #pending = false; // a pull is outstanding
  #cancelled = false;
  #failure: { readonly error: unknown } | undefined;
  #wake: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly options: UpstreamOptions<T>,
  ) {
    this.source = defineSource<T>('harnessUpstream', (ctx) => {
      const wake = (): void => this.#wakeUp();
      ctx.signal.addEventListener('abort', wake);
      ctx.draining.addEventListener('abort', wake);
      ctx.onClose(() => {
        this.closed++;
        ctx.signal.removeEventListener('abort', wake);
        ctx.draining.removeEventListener('abort', wake);
      });
      return {
        pull: (max) => this.#pull(max, ctx),
        cancel: async (reason) => {
          this.cancels.push(reason);
          this.#cancelled = true;
          this.#wakeUp();
        },
      };
    }).named(name);
  }

  async #pull(max: number, ctx: StageContext): Promise<{ items: T[]; acks: Ack[] } | undefined> {
    if (!Number.isInteger(max) || max < 1) this.violations.push(`${this.name} was pulled with max ${max}`);
    if (this.#pending) this.violations.push(`${this.name} was pulled while a pull was outstanding`);
    this.#pending = true;
    try {
      // Each pull waits a turn of the event loop, as a source of the outside world does: an
      // endless upstream must not starve timers (a sink that never waits would pull for ever).
      await new Promise((resolve) => setImmediate(resolve));
      for (;;) {
        if (this.#failure !== undefined) throw this.#failure.error;
        if (this.#cancelled || ctx.isDraining() || ctx.signal.aborted) return undefined;
        const { count, pauseAfter } = this.options;
        if (count !== undefined && this.handedOut >= count) return undefined;
        const limit = Math.min(count ?? Infinity, pauseAfter ?? Infinity);
        if (this.handedOut < limit) return this.#chunk(Math.min(max, limit - this.handedOut));
        this.#waiting = true;
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      this.#waiting = false;
      this.#pending = false;
    }
  }

  #chunk(n: number): { items: T[]; acks: Ack[] } {
    const items: T[] = [];
    const acks: Ack[] = [];
    for (let k = 0; k < n; k++) {
      const i = this.handedOut++;
      const item = this.options.generate(i);
      this.acked.push(0);
      items.push(item);
      acks.push(() => this.#ack(i, item));
    }
    return { items, acks };
  }

  #ack(i: number, item: T): void {
    this.acked[i]++;
    if (this.options.scope.depth === 0) this.outsideSink++;
    const processed = this.options.processed;
    if (processed === undefined) return;
    const premature = (): void => void this.violations.push(`${this.name}: element ${i} (${inspect(item)}) was acknowledged before it was processed`);
    const answer = processed(item);
    if (answer === false) premature();
    else if (answer !== true) this.pendingChecks.push(answer.then((ok) => (ok ? undefined : premature())));
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  idle(timeoutMs: number): Promise<void> {
    return eventually(`${this.name} to be idle (a pull waiting after ${this.options.pauseAfter} elements)`, () => this.#waiting, timeoutMs);
  }

  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#wakeUp();
  }
}

// ---- the harness's downstreams ---------------------------------------------------------

/** A downstream the test drives: the testkit's probe sink. */
export interface ProbeView {
  request(n: number): void;
  cancel(reason: unknown): Promise<void>;
  readonly received: number;
}

/** A downstream that pulls on its own and acknowledges what it got after a pause. */
export interface CollectorView {
  readonly received: number;
  readonly closed: number;
}

function isCollector(view: unknown): view is CollectorView {
  return typeof view === 'object' && view !== null && 'closed' in view;
}

/** Makes one downstream: its sink (it takes anything) and what the test sees of it. */
type Downstream<V> = (scope: AckScope) => { readonly sink: Sink<unknown, unknown>; readonly view: V };

const probe: Downstream<ProbeView> = () => {
  const p = probeSink<unknown>();
  return {
    sink: p.sink,
    view: {
      request: (n) => p.request(n),
      cancel: (reason) => p.cancel(reason),
      get received() {
        return p.received.length;
      },
    },
  };
};

/**
 * A sink that pulls up to `max` at a time and acknowledges each chunk `delayMs` later (0:
 * on the next turn of the event loop), inside the harness's AckScope: an upstream's ack called
 * then came from downstream.
 */
function collector(max: number, delayMs: number): Downstream<CollectorView> {
  return (scope) => {
    const view = { received: 0, closed: 0 };
    const sink = defineSink<unknown, number>('harnessDownstream', async (upstream, ctx) => {
      ctx.onClose(() => void view.closed++);
      await drain(upstream, max, async (chunk) => {
        view.received += chunk.items.length;
        await (delayMs === 0 ? new Promise((resolve) => setImmediate(resolve)) : sleep(delayMs));
        scope.run(() => ackAll(chunk));
        ctx.metrics.out += chunk.items.length;
      });
      return view.received;
    });
    return { sink, view };
  };
}

// ---- counting the teardowns of the stage under test ------------------------------------

/** The teardowns a stage registered in one run and how many times each ran. */
class Teardowns {
  readonly calls: number[] = [];

  /** The stage's definition, whose `ctx.onClose` counts each teardown when it runs. */
  counting(stage: StageDef): StageDef {
    return {
      kind: stage.kind,
      inputs: stage.inputs,
      outputs: stage.outputs,
      step: stage.step,
      materialize: (ctx, inlets) => {
        const onClose = (teardown: () => void | Promise<void>): void => {
          const k = this.calls.push(0) - 1;
          ctx.onClose(() => {
            this.calls[k]++;
            return teardown();
          });
        };
        return stage.materialize({ ...ctx, onClose }, inlets);
      },
    };
  }

  /** A copy of a blueprint whose stages count their teardowns. */
  blueprint(bp: Blueprint): { readonly bp: Blueprint; readonly remap: (node: GraphNode) => GraphNode } {
    const copies = new Map<GraphNode, GraphNode>(bp.nodes.map((n) => [n, { stage: this.counting(n.stage), name: n.name }]));
    const remap = (node: GraphNode): GraphNode => copies.get(node) as GraphNode;
    return { bp: { nodes: [...copies.values()], edges: bp.edges.map((e) => ({ ...e, from: remap(e.from), to: remap(e.to) })) }, remap };
  }
}

function countedSource<T>(source: Source<T>, t: Teardowns): Source<T> {
  const { bp, remap } = t.blueprint(source.blueprint);
  return new Source<T>(bp, { node: remap(source.outlet.node), port: source.outlet.port });
}

function countedFlow<I, O>(flow: Flow<I, O>, t: Teardowns): Flow<I, O> {
  const { bp, remap } = t.blueprint(flow.blueprint);
  return new Flow<I, O>(bp, { node: remap(flow.inlet.node), port: flow.inlet.port }, { node: remap(flow.outlet.node), port: flow.outlet.port });
}

function countedSink<T, R>(sink: Sink<T, R>, t: Teardowns): Sink<T, R> {
  const { bp, remap } = t.blueprint(sink.blueprint);
  return new Sink<T, R>(bp, { node: remap(sink.inlet.node), port: sink.inlet.port }, remap(sink.resultNode));
}

function countedJunction<I extends readonly unknown[], O extends readonly unknown[]>(junction: Junction<I, O>, t: Teardowns): Junction<I, O> {
  return new Junction<I, O>({ stage: t.counting(junction.node.stage), name: junction.node.name });
}

// ---- a stage wired for a test ----------------------------------------------------------

/** The kinds of stage, by their ports; each has its own set of properties. */
export type Kind = 'source' | 'flow' | 'fanOut' | 'fanIn' | 'sink';

interface RigOptions {
  /** Each upstream's (or a source case's) element count; default: endless (a source case: `plenty`). */
  readonly count?: number;
  readonly pauseAfter?: number;
}

/** One run of the stage under test, already started, between the harness's stages. */
interface Rig<V> {
  readonly handle: RunHandle<unknown>;
  readonly upstreams: readonly UpstreamView[];
  readonly downstreams: readonly V[];
  readonly teardowns: Teardowns;
  /** The stage's counters in the latest metrics snapshot (the run's last, once it ended). */
  stageMetrics(): StageMetricsSnapshot | undefined;
}

/** A case of the table: a stage, how to feed it, and its kind. */
export interface StageCase {
  readonly name: string;
  readonly kind: Kind | 'observable';
  /** Writes the tests of the properties that apply to this case. */
  readonly define: (settings: Settings) => void;
}

/** What a property needs of a case of any kind but `observable`. */
interface Subject {
  readonly name: string;
  readonly kind: Kind;
  /** Whether elements must leave the source case by `stop()` (it never completes on its own). */
  readonly endless: boolean;
  /** The stage's documented behaviour on `stop()` (see `StopContract`). */
  readonly onStop: StopContract;
  rig<V>(options: RigOptions, downstream: Downstream<V>, settings: Settings): Promise<Rig<V>>;
}

/**
 * What a stage promises on `stop()` for what it has taken: `'processes-taken'` (the
 * default): every element it took is processed or acknowledged as dropped before the run
 * completes; `'leaves-unemitted'`: it completes at once, leaving what it had not emitted yet
 * unacknowledged (to be delivered again) and counted as dropped (consumerRecordsDequeue).
 */
export type StopContract = 'processes-taken' | 'leaves-unemitted';

function start<V>(subjectName: string, build: (b: GraphBuilder) => void, upstreams: readonly UpstreamView[], downstreams: readonly V[], teardowns: Teardowns): Rig<V> {
  const handle = graph(build).run({ inputBuffer: 16, metricsIntervalMs: 20 });
  let last: MetricsSnapshot | undefined;
  handle.metrics$.subscribe((m) => (last = m));
  return { handle, upstreams, downstreams, teardowns, stageMetrics: () => last?.stages.find((s) => s.stage === subjectName) };
}

// ---- the table's constructors -----------------------------------------------------------

/** A generator of elements: the i-th element given to the stage. */
export type Input<T> = (i: number) => T;

export interface SourceSpec<T> {
  /** The stage, emitting (about) `count` elements. */
  readonly make: (count: number) => Source<T> | Promise<Source<T>>;
  /** A source that emits `count` elements, then fails with `error` (when it can fail at all). */
  readonly failing?: (count: number, error: Error) => Source<T> | Promise<Source<T>>;
  /** It never completes on its own (a Kafka consumer): the harness stops it instead. Default false. */
  readonly endless?: boolean;
}

/** A source case. */
export function source<T>(name: string, spec: SourceSpec<T>): StageCase {
  const subject: Subject = {
    name,
    kind: 'source',
    endless: spec.endless ?? false,
    onStop: 'processes-taken',
    async rig(options, downstream, settings) {
      const t = new Teardowns();
      const scope = new AckScope();
      const stage = countedSource(await spec.make(options.count ?? settings.plenty), t);
      const down = downstream(scope);
      return start(
        name,
        (b) => {
          b.add(stage, name);
          b.add(down.sink, 'downstream');
          b.connect(name, 'downstream');
        },
        [],
        [down.view],
        t,
      );
    },
  };
  const failing = spec.failing;
  return {
    name,
    kind: 'source',
    define: (settings) => {
      defineProperties(subject, settings);
      if (failing !== undefined) {
        it('failure: a source that fails fails the run promptly, naming it', async () => {
          const down = collector(16, 0)(new AckScope());
          const t = new Teardowns();
          const stage = countedSource(await failing(5, new Error('the source broke')), t);
          const handle = graph((b) => {
            b.add(stage, name);
            b.add(down.sink, 'downstream');
            b.connect(name, 'downstream');
          }).run({ inputBuffer: 16 });
          const outcome = await settles('the run to fail', handle.done, settings.promptMs);
          expect(outcome.completed).toBe(false);
          const error = outcome.completed ? undefined : outcome.error;
          expect(stageOf(error)).toBe(name);
          expect(messages(error)).toContain('the source broke');
          expect(down.view.received).toBeLessThanOrEqual(5); // what it gave before failing (a source may drop the chunk it failed in)
          expectTeardownsOnce(t);
        });
      }
    },
  };
}

export interface FlowSpec<I, O> {
  readonly make: () => Flow<I, O> | Promise<Flow<I, O>>;
  readonly input: Input<I>;
  /** See `StopContract`. Default `'processes-taken'`. */
  readonly onStop?: StopContract;
}

/** A flow case: one inlet, one outlet. */
export function flow<I, O>(name: string, spec: FlowSpec<I, O>): StageCase {
  return caseOf({
    name,
    kind: 'flow',
    endless: false,
    onStop: spec.onStop ?? 'processes-taken',
    async rig(options, downstream, settings) {
      const t = new Teardowns();
      const scope = new AckScope();
      const up = new Upstream<I>('upstream', { ...options, generate: spec.input, scope });
      const stage = countedFlow(await spec.make(), t);
      const down = downstream(scope);
      return start(
        name,
        (b) => {
          b.add(up.source, 'upstream');
          b.add(stage, name);
          b.add(down.sink, 'downstream');
          b.connect('upstream', name, 'downstream');
        },
        [up],
        [down.view],
        t,
      );
    },
  });
}

export interface FanOutSpec<T> {
  readonly make: () => Junction<[T], readonly T[]> | Promise<Junction<[T], readonly T[]>>;
  /** How many outlets the stage has (all are wired). */
  readonly outputs: number;
  readonly input: Input<T>;
}

/** A fan-out case: one inlet, several outlets. */
export function fanOut<T>(name: string, spec: FanOutSpec<T>): StageCase {
  return caseOf({
    name,
    kind: 'fanOut',
    endless: false,
    onStop: 'processes-taken',
    async rig(options, downstream, settings) {
      const t = new Teardowns();
      const scope = new AckScope();
      const up = new Upstream<T>('upstream', { ...options, generate: spec.input, scope });
      const stage = countedJunction(await spec.make(), t);
      const downs = Array.from({ length: spec.outputs }, () => downstream(scope));
      return start(
        name,
        (b) => {
          b.add(up.source, 'upstream');
          b.add(stage, name);
          b.connect('upstream', name);
          downs.forEach((d, k) => {
            b.add(d.sink, `downstream${k}`);
            b.connect(name, `downstream${k}`);
          });
        },
        [up],
        downs.map((d) => d.view),
        t,
      );
    },
  });
}

export interface FanInSpec<I extends readonly unknown[], O> {
  readonly make: () => Junction<I, [O]> | Promise<Junction<I, [O]>>;
  /** One generator per inlet (all are wired). */
  readonly inputs: { readonly [K in keyof I]: Input<I[K]> };
}

/** A fan-in case: several inlets, one outlet. */
export function fanIn<I extends readonly unknown[], O>(name: string, spec: FanInSpec<I, O>): StageCase {
  const generators = spec.inputs as readonly Input<unknown>[];
  return caseOf({
    name,
    kind: 'fanIn',
    endless: false,
    onStop: 'processes-taken',
    async rig(options, downstream, settings) {
      const t = new Teardowns();
      const scope = new AckScope();
      const ups = generators.map((generate, k) => new Upstream<unknown>(`upstream${k}`, { ...options, generate, scope }));
      const stage = countedJunction(await spec.make(), t);
      const down = downstream(scope);
      return start(
        name,
        (b) => {
          b.add(stage, name);
          ups.forEach((up) => {
            b.add(up.source, up.name);
            b.connect(up.name, name); // the next free inlet, in order
          });
          b.add(down.sink, 'downstream');
          b.connect(name, 'downstream');
        },
        ups,
        [down.view],
        t,
      );
    },
  });
}

/** A sink under test, and how to tell it has processed an element (asked when the element is acknowledged). */
export interface SinkUnderTest<I> {
  readonly sink: Sink<I, unknown>;
  readonly processed?: (item: I) => boolean | Promise<boolean>;
}

export interface SinkSpec<I> {
  readonly make: () => Sink<I, unknown> | SinkUnderTest<I> | Promise<Sink<I, unknown> | SinkUnderTest<I>>;
  readonly input: Input<I>;
}

/** A sink case. */
export function sink<I>(name: string, spec: SinkSpec<I>): StageCase {
  return caseOf({
    name,
    kind: 'sink',
    endless: false,
    onStop: 'processes-taken',
    async rig(options, _downstream, settings) {
      const t = new Teardowns();
      const scope = new AckScope();
      const made = await spec.make();
      const under: SinkUnderTest<I> = made instanceof Sink ? { sink: made } : made;
      const up = new Upstream<I>('upstream', { ...options, generate: spec.input, scope, processed: under.processed });
      const stage = countedSink(under.sink, t);
      return start(
        name,
        (b) => {
          b.add(up.source, 'upstream');
          b.add(stage, name);
          b.connect('upstream', name);
        },
        [up],
        [],
        t,
      );
    },
  });
}

function caseOf(subject: Subject): StageCase {
  return { name: subject.name, kind: subject.kind, define: (settings) => defineProperties(subject, settings) };
}

// ---- the properties ---------------------------------------------------------------------

function expectTeardownsOnce(t: Teardowns): void {
  expect(t.calls, 'every teardown the stage registered ran exactly once').toEqual(t.calls.map(() => 1));
}

/** After a run: the harness's own stages were torn down once, and no upstream saw the protocol broken. */
async function expectCleanEnd<V>(rig: Rig<V>): Promise<void> {
  expectTeardownsOnce(rig.teardowns);
  for (const up of rig.upstreams) {
    expect(up.closed, `${up.name} torn down once`).toBe(1);
    await Promise.all(up.pendingChecks);
    expect(up.violations).toEqual([]);
  }
  for (const down of rig.downstreams) if (isCollector(down)) expect(down.closed, 'downstream torn down once').toBe(1);
}

/** Waits until elements went through: a downstream got one, or (a sink) an element was acknowledged. */
async function progress(rig: Rig<CollectorView>, timeoutMs: number): Promise<void> {
  if (rig.downstreams.length > 0) return eventually('a downstream to receive an element', () => rig.downstreams.every((d) => d.received > 0), timeoutMs);
  return eventually('the sink to acknowledge an element', () => rig.upstreams.every((u) => u.acked.some((n) => n > 0)), timeoutMs);
}

function defineProperties(s: Subject, settings: Settings): void {
  const { promptMs } = settings;
  const hasInputs = s.kind !== 'source';
  const hasOutputs = s.kind !== 'sink';
  const errorNames = [s.name, 'upstream', 'upstream0'];

  if (hasOutputs) {
    it('backpressure: emits nothing without demand, and at most what was requested', async () => {
      const rig = await s.rig({}, probe, settings);
      await sleep(30);
      for (const d of rig.downstreams) expect(d.received, 'received before any request').toBe(0);
      for (const d of rig.downstreams) d.request(2);
      await eventually('every downstream to receive an element', () => rig.downstreams.every((d) => d.received > 0), settings.runMs);
      await sleep(30);
      for (const d of rig.downstreams) expect(d.received).toBeLessThanOrEqual(2);
      for (const d of rig.downstreams) d.request(3);
      await sleep(30);
      for (const d of rig.downstreams) expect(d.received).toBeLessThanOrEqual(5);
      rig.handle.abort('the test is over');
      const outcome = await settles('the run to end', rig.handle.done, promptMs);
      expect(outcome.completed).toBe(false);
      await expectCleanEnd(rig);
    });
  }

  if (hasInputs) {
    it('failure: an upstream that fails while the stage is idle fails the run promptly, naming the stage or the upstream', async () => {
      const rig = await s.rig({ pauseAfter: 5 }, collector(16, 0), settings);
      await Promise.all(rig.upstreams.map((u) => u.idle(settings.runMs)));
      await sleep(30); // let the stage finish with what it has
      rig.upstreams[0].fail(new Error('the upstream broke'));
      const outcome = await settles('the run to fail', rig.handle.done, promptMs);
      expect(outcome.completed).toBe(false);
      const error = outcome.completed ? undefined : outcome.error;
      expect(errorNames).toContain(stageOf(error));
      expect(messages(error)).toContain('the upstream broke');
      await expectCleanEnd(rig);
    });
  }

  if (hasInputs && hasOutputs) {
    it('cancel: cancelling downstream cancels upstream', async () => {
      const rig = await s.rig({}, probe, settings);
      for (const d of rig.downstreams) d.request(1);
      await eventually('every downstream to receive an element', () => rig.downstreams.every((d) => d.received > 0), settings.runMs);
      await Promise.all(rig.downstreams.map((d) => d.cancel('downstream wants no more')));
      await eventually('every upstream to be cancelled', () => rig.upstreams.every((u) => u.cancels.length > 0), promptMs);
      const outcome = await settles('the run to complete', rig.handle.done, promptMs);
      expect(outcome).toEqual({ completed: true });
      await expectCleanEnd(rig);
    });
  }

  it('abort: handle.abort(reason) ends the run promptly and runs the teardown', async () => {
    const rig = await s.rig({}, collector(4, 5), settings);
    await progress(rig, settings.runMs);
    const reason = new Error('aborted by the test');
    rig.handle.abort(reason);
    const outcome = await settles('the run to end', rig.handle.done, promptMs);
    expect(outcome.completed).toBe(false);
    const error = outcome.completed ? undefined : outcome.error;
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).cause).toBe(reason);
    await expectCleanEnd(rig);
  });

  it(
    s.onStop === 'processes-taken'
      ? 'stop: after stop(), what was taken is processed and the run completes'
      : 'stop: after stop(), the run completes at once; what was not emitted stays unacknowledged and counts as dropped',
    async () => {
      const rig = await s.rig({}, collector(4, 2), settings);
      await progress(rig, settings.runMs);
      const outcome = await settles('stop() to complete the run', rig.handle.stop(), promptMs);
      expect(outcome).toEqual({ completed: true });
      for (const up of rig.upstreams) {
        expect(up.handedOut).toBeGreaterThan(0);
        expect(up.acked.filter((n) => n > 1), `${up.name}: no element acknowledged twice`).toEqual([]);
        const unacked = up.acked.filter((n) => n === 0).length;
        if (s.onStop === 'processes-taken') expect(unacked, `${up.name}: elements taken and never acknowledged`).toBe(0);
        else if (unacked > 0) expect(rig.stageMetrics()?.dropped).toBeGreaterThan(0);
      }
      await expectCleanEnd(rig);
    },
  );

  it('teardown: a run that ends runs each teardown exactly once', async () => {
    const rig = await s.rig({ count: 20 }, collector(8, 0), settings);
    let outcome: Outcome;
    if (s.endless) {
      await progress(rig, settings.runMs);
      outcome = await settles('stop() to complete the run', rig.handle.stop(), promptMs);
    } else {
      outcome = await settles('the run to complete', rig.handle.done, settings.runMs);
    }
    expect(outcome).toEqual({ completed: true });
    await expectCleanEnd(rig);
    await sleep(20);
    expectTeardownsOnce(rig.teardowns); // and not again later
  });

  if (hasInputs) {
    it('acks: every input ack is called exactly once, and only once the element was processed', async () => {
      const n = 40;
      const rig = await s.rig({ count: n }, collector(7, 0), settings);
      const outcome = await settles('the run to complete', rig.handle.done, settings.runMs);
      expect(outcome).toEqual({ completed: true });
      for (const up of rig.upstreams) {
        expect(up.handedOut).toBe(n);
        expect(up.acked, `${up.name}: times each element was acknowledged`).toEqual(new Array<number>(n).fill(1));
      }
      if (hasOutputs) {
        // An ack that did not come from a downstream sink is an element the stage finished itself: dropped on purpose, and counted.
        const outside = rig.upstreams.reduce((sum, u) => sum + u.outsideSink, 0);
        expect(outside, 'acks called before a downstream sink acknowledged').toBe(rig.stageMetrics()?.dropped ?? 0);
      }
      await expectCleanEnd(rig);
    });
  }
}

// ---- observables: toObservable ------------------------------------------------------------

export interface ObservableSpec<T> {
  /** Turns a source into an observable (the stage runs it per subscription). */
  readonly make: (source: Source<T>) => Observable<T>;
  readonly input: Input<T>;
}

/**
 * An observable case (`toObservable`): a sink inside its own run, driven by subscribing. An
 * observer cannot backpressure and there is no handle to stop, so those properties do not
 * apply; unsubscribing is its cancel and its abort.
 */
export function observable<T>(name: string, spec: ObservableSpec<T>): StageCase {
  const setup = (options: Omit<UpstreamOptions<T>, 'generate' | 'scope'>): { up: Upstream<T>; values: Observable<T> } => {
    const up = new Upstream<T>('upstream', { ...options, generate: spec.input, scope: new AckScope() });
    return { up, values: spec.make(up.source) };
  };
  return {
    name,
    kind: 'observable',
    define: ({ promptMs, runMs }) => {
      it('failure: an upstream that fails while idle errors the observer promptly, naming the upstream', async () => {
        const { up, values } = setup({ pauseAfter: 5 });
        let seen = 0;
        let error: unknown;
        const subscription = values.subscribe({ next: () => void seen++, error: (e: unknown) => (error = e) });
        await up.idle(runMs);
        up.fail(new Error('the upstream broke'));
        await eventually('the observer to see the error', () => error !== undefined, promptMs);
        expect(seen).toBe(5);
        expect(stageOf(error)).toBe('upstream');
        expect(messages(error)).toContain('the upstream broke');
        await eventually('the upstream to be torn down', () => up.closed === 1, promptMs);
        subscription.unsubscribe();
      });

      it('cancel: unsubscribing ends the run promptly and tears the upstream down once', async () => {
        const { up, values } = setup({});
        let seen = 0;
        const subscription = values.subscribe({ next: () => void seen++ });
        await eventually('a value', () => seen > 0, runMs);
        subscription.unsubscribe();
        await eventually('the upstream to be torn down', () => up.closed === 1, promptMs);
        await sleep(20);
        expect(up.closed).toBe(1);
        expect(up.violations).toEqual([]);
      });

      it('acks: every element is acknowledged exactly once, after the observer took it', async () => {
        const n = 40;
        const nexted = new Set<T>();
        const up = new Upstream<T>('upstream', { count: n, generate: spec.input, scope: new AckScope(), processed: (item) => nexted.has(item) });
        let completed = false;
        spec.make(up.source).subscribe({ next: (v) => void nexted.add(v), complete: () => (completed = true) });
        await eventually('the observer to complete', () => completed, runMs);
        expect(up.acked).toEqual(new Array<number>(n).fill(1));
        expect(up.violations).toEqual([]);
      });

      it('teardown: a completed run tears the upstream down exactly once', async () => {
        const { up, values } = setup({ count: 20 });
        let completed = false;
        values.subscribe({ complete: () => (completed = true) });
        await eventually('the observer to complete', () => completed, runMs);
        await eventually('the upstream to be torn down', () => up.closed === 1, promptMs);
        await sleep(20);
        expect(up.closed).toBe(1);
      });
    },
  };
}

// ---- the suite ----------------------------------------------------------------------------

/** Writes the conformance tests of every case: one `describe` per case, one test per property that applies. */
export function conformance(cases: readonly StageCase[], options: HarnessOptions = {}): void {
  const promptMs = options.promptMs ?? 1000;
  const settings: Settings = { promptMs, plenty: options.plenty ?? 1000, runMs: options.runMs ?? 10 * promptMs };
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`two conformance cases are named ${c.name}`);
    names.add(c.name);
    describe(`${c.name} (${c.kind})`, () => c.define(settings));
  }
}
