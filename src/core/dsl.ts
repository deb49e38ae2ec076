import { type Blueprint, type GraphNode, type Port, copyBlueprint, joinBlueprints, renameNode, singleNode } from './blueprint.js';
import { FusedPull } from './fusion.js';
import type { OpenStep, Pull, StageContext, StageDef } from './stage.js';
import { type RunHandle, type RunOptions, RunnableGraph, run } from './run.js';

function link<A extends { blueprint: Blueprint }, B extends { blueprint: Blueprint }>(
  a: A,
  from: Port,
  b: B,
  to: Port,
): { bp: Blueprint; left: (n: GraphNode) => GraphNode; right: (n: GraphNode) => GraphNode } {
  const l = copyBlueprint(a.blueprint);
  const r = copyBlueprint(b.blueprint);
  const edge = { from: l.remap(from.node), fromPort: from.port, to: r.remap(to.node), toPort: to.port };
  return { bp: joinBlueprints(l.bp, r.bp, edge), left: l.remap, right: r.remap };
}

// The type parameters of Source, Flow, Sink, Junction and RunnableGraph are checked: each
// class declares a phantom member typed with them (`declare`: no property is emitted or
// allocated), so `Source<number>` is not a `Source<string>`, a `Sink<string, R>` does not
// take numbers, and so on. The variance annotations (`in`, `out`) say how they relate:
// a `Source<Dog>` is a `Source<Animal>`, a `Sink<Animal, R>` is a `Sink<Dog, R>`.

/** A graph with one open output: elements of type T come out of it when pulled. */
export class Source<out T> {
  /** Type only (never set): what comes out. */
  declare readonly __out: T;

  /** @internal */
  constructor(
    /** @internal The stages and edges of this source. */
    readonly blueprint: Blueprint,
    /** @internal Its open output. */
    readonly outlet: Port,
  ) {}

  /** Connects this source to a flow: a new source of what the flow emits. Neither is changed. */
  via<U>(flow: Flow<T, U>): Source<U> {
    const { bp, right } = link(this, this.outlet, flow, flow.inlet);
    return new Source(bp, { node: right(flow.outlet.node), port: flow.outlet.port });
  }

  /** Connects this source to a sink: a closed graph whose result is the sink's. Neither is changed. */
  to<R>(sink: Sink<T, R>): RunnableGraph<R> {
    const { bp, right } = link(this, this.outlet, sink, sink.inlet);
    const resultNode = right(sink.resultNode);
    return new RunnableGraph(bp, (results) => results.get(resultNode) as R);
  }

  /** Runs this source into a sink: `source.runWith(sink)` is `run(source.to(sink))`. */
  runWith<R>(sink: Sink<T, R>, options?: RunOptions): RunHandle<R> {
    return run(this.to(sink), options);
  }

  /** Names the last stage of this source (names appear in errors, metrics and diagrams). */
  named(name: string): Source<T> {
    const { bp, remap } = renameNode(this.blueprint, this.outlet.node, name);
    return new Source(bp, { node: remap(this.outlet.node), port: this.outlet.port });
  }
}

/** A graph with one open input and one open output. */
export class Flow<in I, out O> {
  /** Type only (never set): what goes in. */
  declare readonly __in: (element: I) => void;
  /** Type only (never set): what comes out. */
  declare readonly __out: O;

  /** @internal */
  constructor(
    /** @internal The stages and edges of this flow. */
    readonly blueprint: Blueprint,
    /** @internal Its open input. */
    readonly inlet: Port,
    /** @internal Its open output. */
    readonly outlet: Port,
  ) {}

  /** Connects this flow to another: a flow from what this one takes to what the other emits. Neither is changed. */
  via<U>(flow: Flow<O, U>): Flow<I, U> {
    const { bp, left, right } = link(this, this.outlet, flow, flow.inlet);
    return new Flow(bp, { node: left(this.inlet.node), port: this.inlet.port }, { node: right(flow.outlet.node), port: flow.outlet.port });
  }

  /** Connects this flow to a sink: a sink of what this flow takes, with the sink's result. Neither is changed. */
  to<R>(sink: Sink<O, R>): Sink<I, R> {
    const { bp, left, right } = link(this, this.outlet, sink, sink.inlet);
    return new Sink(bp, { node: left(this.inlet.node), port: this.inlet.port }, right(sink.resultNode));
  }

  /** Names the last stage of this flow. */
  named(name: string): Flow<I, O> {
    const { bp, remap } = renameNode(this.blueprint, this.outlet.node, name);
    return new Flow(bp, { node: remap(this.inlet.node), port: this.inlet.port }, { node: remap(this.outlet.node), port: this.outlet.port });
  }
}

/** A graph with one open input that produces a result of type R when the run ends. */
export class Sink<in T, out R> {
  /** Type only (never set): what goes in. */
  declare readonly __in: (element: T) => void;
  /** Type only (never set): the result. */
  declare readonly __result: R;

  /** @internal */
  constructor(
    /** @internal The stages and edges of this sink. */
    readonly blueprint: Blueprint,
    /** @internal Its open input. */
    readonly inlet: Port,
    /** @internal The stage whose result is the sink's. */
    readonly resultNode: GraphNode,
  ) {}

  /** Names the stage that produces the result. */
  named(name: string): Sink<T, R> {
    const { bp, remap } = renameNode(this.blueprint, this.resultNode, name);
    return new Sink(bp, { node: remap(this.inlet.node), port: this.inlet.port }, remap(this.resultNode));
  }
}

/**
 * A fan-out or fan-in stage: `inputs` inlets and `outputs` outlets, wired with the graph builder.
 * `I` lists what each inlet takes and `O` what each outlet gives: `[T]` for one port, `T[]` for
 * any number of ports of one type, `[A, B]` for two of different types (broadcast is
 * `Junction<[T], T[]>`, merge `Junction<T[], [T]>`, zip `Junction<[A, B], [[A, B]]>`).
 */
export class Junction<in I extends readonly unknown[], out O extends readonly unknown[]> {
  /** Type only (never set): what the inlets take. */
  declare readonly __ins: (elements: I) => void;
  /** Type only (never set): what the outlets give. */
  declare readonly __outs: O;

  /** @internal */
  constructor(
    /** @internal The junction's one stage. */
    readonly node: GraphNode,
  ) {}
}

// ---- defining stages -------------------------------------------------------------

/** Defines a source stage. `open` creates per-run state and returns its outlet. */
export function defineSource<T>(kind: string, open: (ctx: StageContext) => Pull<T>): Source<T> {
  const stage: StageDef = { kind, inputs: 0, outputs: 1, materialize: (ctx) => ({ outlets: [open(ctx)] }) };
  const node = singleNode(stage);
  return new Source({ nodes: [node], edges: [] }, { node, port: 0 });
}

/** Defines a 1:1 flow stage from its upstream Pull to its own. */
export function defineFlow<I, O>(kind: string, open: (upstream: Pull<I>, ctx: StageContext) => Pull<O>): Flow<I, O> {
  const stage: StageDef = {
    kind,
    inputs: 1,
    outputs: 1,
    materialize: (ctx, inlets) => ({ outlets: [open(inlets[0] as Pull<I>, ctx)] }),
  };
  const node = singleNode(stage);
  return new Flow({ nodes: [node], edges: [] }, { node, port: 0 }, { node, port: 0 });
}

/**
 * Defines a step stage: a synchronous flow that hands each element on (`out.emit`) or
 * drops it (`out.drop`), such as map and filter. `open` runs once per run and returns
 * what the stage does with one element. A chain of step stages runs fused, as one loop
 * per chunk; each stage keeps its name and counters.
 *
 * @example examples/custom-step.ts
 */
export function defineStep<I, O>(kind: string, open: OpenStep<I, O>): Flow<I, O> {
  const step = open as OpenStep<unknown, unknown>;
  const stage: StageDef = {
    kind,
    inputs: 1,
    outputs: 1,
    step,
    materialize: (ctx, inlets) => ({ outlets: [new FusedPull(inlets[0], step, ctx)] }),
  };
  const node = singleNode(stage);
  return new Flow({ nodes: [node], edges: [] }, { node, port: 0 }, { node, port: 0 });
}

/** Defines a sink: `consume` pulls its upstream until done and resolves with the result. */
export function defineSink<T, R>(kind: string, consume: (upstream: Pull<T>, ctx: StageContext) => Promise<R>): Sink<T, R> {
  const stage: StageDef = {
    kind,
    inputs: 1,
    outputs: 0,
    materialize: (ctx, inlets) => ({ outlets: [], result: consume(inlets[0] as Pull<T>, ctx) }),
  };
  const node = singleNode(stage);
  return new Sink({ nodes: [node], edges: [] }, { node, port: 0 }, node);
}

/** The pulls of a junction's ports, one per port type: `Pulls<[A, B]>` is `[Pull<A>, Pull<B>]`, `Pulls<T[]>` is `Pull<T>[]`. */
export type Pulls<P extends readonly unknown[]> = { readonly [K in keyof P]: Pull<P[K]> };

/**
 * Defines a junction with `inputs` inlets and `outputs` outlets. `I` and `O` list the
 * element type of each inlet and outlet (see `Junction`); `open` gets one Pull per inlet
 * and returns one per outlet.
 */
export function defineJunction<I extends readonly unknown[], O extends readonly unknown[]>(
  kind: string,
  inputs: number,
  outputs: number,
  open: (inlets: Pulls<I>, ctx: StageContext) => Pulls<O>,
): Junction<I, O> {
  const stage: StageDef = {
    kind,
    inputs,
    outputs,
    materialize: (ctx, inlets) => ({ outlets: open(inlets as unknown as Pulls<I>, ctx) as unknown as readonly Pull<unknown>[] }),
  };
  return new Junction(singleNode(stage));
}
