import { type Blueprint, type GraphEdge, type GraphNode, type Port, copyBlueprint, renameNode } from '../core/blueprint.js';
import { Flow, Junction, Sink, Source } from '../core/dsl.js';
import { RunnableGraph } from '../core/run.js';
import { GraphError } from '../errors.js';

/** A stage placed in a graph under construction. */
export interface StageHandle {
  /** The name given to `add`, if any. */
  readonly name: string | undefined;
  /** @internal */ readonly inlets: readonly Port[];
  /** @internal */ readonly outlets: readonly Port[];
}

// Handles and ports carry the element types of what they were made from, in phantom members
// (type only: the objects never have them), so `connect` checks each hop.

/** A source placed in a graph: elements of type T come out of it. */
export interface SourceHandle<out T> extends StageHandle {
  /** Type only (never set). */ readonly __out: T;
}

/** A flow placed in a graph: takes I, gives O. */
export interface FlowHandle<in I, out O> extends StageHandle {
  /** Type only (never set). */ readonly __in: (element: I) => void;
  /** Type only (never set). */ readonly __out: O;
}

/**
 * A sink placed in a graph: return it (or a record of them) from the build function to get its
 * result R. T is what it takes; `SinkHandle<R>` (T = never) holds any sink's handle with result R.
 */
export interface SinkHandle<out R, in T = never> extends StageHandle {
  /** @internal */ readonly resultNode: GraphNode;
  /** Type only (never set). */ readonly __in: (element: T) => void;
  /** Type only (never set): the sink's result type. */
  readonly _result?: R;
}

/** One port of a junction: `fanout.out(1)`, `join.in(0)`. */
export interface PortRef {
  /** The junction the port belongs to. */
  readonly handle: StageHandle;
  /** Whether it is an inlet or an outlet. */
  readonly direction: 'in' | 'out';
  /** Its position among the junction's inlets or outlets, from 0. */
  readonly index: number;
}

/** An inlet of a junction that takes T: `join.in(0)`. */
export interface InPort<in T> extends PortRef {
  /** Always `'in'`. */
  readonly direction: 'in';
  /** Type only (never set). */ readonly __in: (element: T) => void;
}

/** An outlet of a junction that gives T: `fanout.out(1)`. */
export interface OutPort<out T> extends PortRef {
  /** Always `'out'`. */
  readonly direction: 'out';
  /** Type only (never set). */ readonly __out: T;
}

/**
 * A junction placed in a graph; I and O list what its inlets take and its outlets give (see
 * `Junction`). Used as a step without a port, it takes its next free port: as an input that
 * is checked against its only port type (`[T]`, `T[]`); a junction with inlets of different
 * types (zip) is wired port by port (`join.in(0)`).
 */
export interface JunctionHandle<in I extends readonly unknown[] = never, out O extends readonly unknown[] = readonly unknown[]> extends StageHandle {
  /** Type only (never set). */ readonly __ins: (elements: I) => void;
  /** Type only (never set). */ readonly __outs: O;
  /** Inlet `index` (from 0), to wire it by position: `join.in(0)`. */
  in<K extends number>(index: K): InPort<I[K]>;
  /** Outlet `index` (from 0), to wire it by position: `fanout.out(1)`. */
  out<K extends number>(index: K): OutPort<O[K]>;
}

/**
 * A stage looked up by name (`b.get(name)`, or a name given to `connect`): the compiler does not
 * know its types, so what comes out of it is `unknown` and it takes anything.
 */
export interface NamedHandle extends StageHandle {
  /** Type only (never set): tells a looked-up stage from a placed one, whose types are checked. */ readonly __named: true;
  /** Type only (never set). */ readonly __in: (element: unknown) => void;
  /** Type only (never set). */ readonly __out: unknown;
}

/** A first step of `connect` that gives T: a source, a placed source/flow/junction, a junction's outlet, a name. */
export type Out<T> = Source<T> | SourceHandle<T> | FlowHandle<never, T> | JunctionHandle<never, readonly T[]> | OutPort<T> | NamedHandle | string;
/** A middle step of `connect` that takes I and gives O: a flow (placed or not), a junction (placed or not), a name. */
export type Through<I, O> = Flow<I, O> | FlowHandle<I, O> | Junction<[I], readonly O[]> | JunctionHandle<[I], readonly O[]> | NamedHandle | string;
/** A last step of `connect` that takes T: a sink (placed or not), a placed flow or junction, a junction's inlet, a name. */
export type In<T> = Sink<T, unknown> | SinkHandle<unknown, T> | FlowHandle<T, unknown> | JunctionHandle<[T], readonly unknown[]> | InPort<T> | NamedHandle | string;

/** A stage not yet added to a graph. */
type Placeable = Source<unknown> | Flow<never, unknown> | Sink<never, unknown> | Junction<never, readonly unknown[]>;
/** Any step `connect` takes: a handle, a junction port, a stage's name, or a stage not yet added. */
export type Step = StageHandle | PortRef | string | Placeable;

/** What a build function may return: a sink handle, a record of them, or nothing. */
type Results = SinkHandle<unknown> | Readonly<Record<string, SinkHandle<unknown>>> | void;
/** The run's result for what the build function returned: the sink's result, a record of results, or void. */
type ResultOf<B> = B extends SinkHandle<infer R> ? R : B extends Readonly<Record<string, SinkHandle<unknown>>> ? { [K in keyof B]: B[K] extends SinkHandle<infer R> ? R : never } : void;

/** Wires stages into a graph. Fan-out and fan-in ports are taken in order unless named. */
export class GraphBuilder {
  readonly #nodes: GraphNode[] = [];
  readonly #edges: GraphEdge[] = [];
  readonly #byName = new Map<string, StageHandle>();
  readonly #used = new Set<string>(); // "node:in:0"-like keys of wired ports
  readonly #ids = new Map<GraphNode, number>();

  // Sink first: inside `connect`, `b.add(forEach((c) => ...))` gets its element type from the
  // previous step (the first overload tried is the one that types the callback).
  /** Places a sink, under `name` if given (unique in the graph); return its handle from the build function to get its result. */
  add<T, R>(stage: Sink<T, R>, name?: string): SinkHandle<R, T>;
  /** Places a flow, under `name` if given (unique in the graph). */
  add<I, O>(stage: Flow<I, O>, name?: string): FlowHandle<I, O>;
  /** Places a source, under `name` if given (unique in the graph). */
  add<T>(stage: Source<T>, name?: string): SourceHandle<T>;
  /** Places a junction, under `name` if given (unique in the graph); wire its ports with `in(i)` and `out(i)`, or in order. */
  add<I extends readonly unknown[], O extends readonly unknown[]>(stage: Junction<I, O>, name?: string): JunctionHandle<I, O>;
  add(stage: Placeable, name?: string): StageHandle {
    if (name !== undefined && this.#byName.has(name)) throw new GraphError(`a stage named "${name}" is already in the graph`);
    const handle = this.#place(stage, name);
    if (name !== undefined) this.#byName.set(name, handle);
    return handle;
  }

  /** The stage added under this name (its types are not known to the compiler: see `NamedHandle`). */
  get(name: string): NamedHandle {
    const handle = this.#byName.get(name);
    if (handle === undefined) throw new GraphError(`no stage named "${name}" in the graph (known: ${[...this.#byName.keys()].join(', ') || 'none'})`);
    return handle as NamedHandle;
  }

  /**
   * Connects each step's output to the next step's input: `b.connect(source, fanout)`,
   * `b.connect(fanout, flow, sink)`. Each hop is checked: what a step gives must be what the
   * next takes, and the element type flows from the first step on (a `map((c) => ...)` in the
   * middle needs no annotation, nor does a sink added in place: `b.add(forEach((c) => ...))`;
   * a flow added in place, `b.add(map(...))`, or one renamed with `.named(...)`, does: say its
   * input type). A stage given by name is not checked: it gives `unknown` and takes anything.
   * Up to 10 steps in one call; chain longer lines with `via`.
   */
  connect<A>(from: Out<A>, to: In<NoInfer<A>>): void;
  connect<A, B>(from: Out<A>, step1: Through<NoInfer<A>, B>, to: In<NoInfer<B>>): void;
  connect<A, B, C>(from: Out<A>, step1: Through<NoInfer<A>, B>, step2: Through<NoInfer<B>, C>, to: In<NoInfer<C>>): void;
  connect<A, B, C, D>(from: Out<A>, step1: Through<NoInfer<A>, B>, step2: Through<NoInfer<B>, C>, step3: Through<NoInfer<C>, D>, to: In<NoInfer<D>>): void;
  connect<A, B, C, D, E>(from: Out<A>, step1: Through<NoInfer<A>, B>, step2: Through<NoInfer<B>, C>, step3: Through<NoInfer<C>, D>, step4: Through<NoInfer<D>, E>, to: In<NoInfer<E>>): void;
  connect<A, B, C, D, E, F>(from: Out<A>, step1: Through<NoInfer<A>, B>, step2: Through<NoInfer<B>, C>, step3: Through<NoInfer<C>, D>, step4: Through<NoInfer<D>, E>, step5: Through<NoInfer<E>, F>, to: In<NoInfer<F>>): void;
  connect<A, B, C, D, E, F, G>(from: Out<A>, step1: Through<NoInfer<A>, B>, step2: Through<NoInfer<B>, C>, step3: Through<NoInfer<C>, D>, step4: Through<NoInfer<D>, E>, step5: Through<NoInfer<E>, F>, step6: Through<NoInfer<F>, G>, to: In<NoInfer<G>>): void;
  connect<A, B, C, D, E, F, G, H>(from: Out<A>, step1: Through<NoInfer<A>, B>, step2: Through<NoInfer<B>, C>, step3: Through<NoInfer<C>, D>, step4: Through<NoInfer<D>, E>, step5: Through<NoInfer<E>, F>, step6: Through<NoInfer<F>, G>, step7: Through<NoInfer<G>, H>, to: In<NoInfer<H>>): void;
  connect<A, B, C, D, E, F, G, H, I>(from: Out<A>, step1: Through<NoInfer<A>, B>, step2: Through<NoInfer<B>, C>, step3: Through<NoInfer<C>, D>, step4: Through<NoInfer<D>, E>, step5: Through<NoInfer<E>, F>, step6: Through<NoInfer<F>, G>, step7: Through<NoInfer<G>, H>, step8: Through<NoInfer<H>, I>, to: In<NoInfer<I>>): void;
  connect(...steps: Step[]): void {
    if (steps.length < 2) throw new GraphError('connect needs at least two steps');
    const resolved = steps.map((s) => this.#resolve(s));
    for (let i = 0; i + 1 < resolved.length; i++) {
      const from = this.#port(resolved[i], 'out');
      const to = this.#port(resolved[i + 1], 'in');
      this.#edges.push({ from: from.node, fromPort: from.port, to: to.node, toPort: to.port });
    }
  }

  /** @internal */
  blueprint(): Blueprint {
    return { nodes: [...this.#nodes], edges: [...this.#edges] };
  }

  #place(stage: Placeable, name: string | undefined): StageHandle {
    if (stage instanceof Junction) {
      const node: GraphNode = { stage: stage.node.stage, name: name ?? stage.node.name };
      this.#addNodes([node], []);
      const inlets = Array.from({ length: node.stage.inputs }, (_, port) => ({ node, port }));
      const outlets = Array.from({ length: node.stage.outputs }, (_, port) => ({ node, port }));
      const handle: StageHandle & Pick<JunctionHandle, 'in' | 'out'> = {
        name,
        inlets,
        outlets,
        in: (index) => portRef(handle, 'in', index) as InPort<never>,
        out: (index) => portRef(handle, 'out', index) as OutPort<unknown>,
      };
      return handle;
    }
    const primary = stage instanceof Sink ? stage.resultNode : stage.outlet.node;
    const renamed = name === undefined ? { bp: stage.blueprint, remap: (n: GraphNode) => n } : renameNode(stage.blueprint, primary, name);
    const copy = copyBlueprint(renamed.bp);
    const remap = (n: GraphNode): GraphNode => copy.remap(renamed.remap(n));
    this.#addNodes(copy.bp.nodes, copy.bp.edges);
    const at = (p: Port): Port => ({ node: remap(p.node), port: p.port });
    if (stage instanceof Source) return { name, inlets: [], outlets: [at(stage.outlet)] };
    if (stage instanceof Flow) return { name, inlets: [at(stage.inlet)], outlets: [at(stage.outlet)] };
    const sink: Omit<SinkHandle<unknown>, '__in'> = { name, inlets: [at(stage.inlet)], outlets: [], resultNode: remap(stage.resultNode) };
    return sink;
  }

  #addNodes(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): void {
    for (const n of nodes) {
      this.#ids.set(n, this.#ids.size);
      this.#nodes.push(n);
    }
    this.#edges.push(...edges);
  }

  #resolve(step: Step): StageHandle | PortRef {
    if (typeof step === 'string') return this.get(step);
    if (step instanceof Source || step instanceof Flow || step instanceof Sink || step instanceof Junction) return this.#place(step, undefined);
    return step;
  }

  /** The port a step offers in one direction: the one named, or the next one not yet wired. */
  #port(step: StageHandle | PortRef, direction: 'in' | 'out'): Port {
    const label = (h: StageHandle): string => h.name ?? 'an unnamed stage';
    if ('direction' in step) {
      if (step.direction !== direction) throw new GraphError(`port ${label(step.handle)}.${step.direction}(${step.index}) cannot be used as an ${direction}put`);
      const ports = direction === 'in' ? step.handle.inlets : step.handle.outlets;
      const port = ports[step.index];
      if (port === undefined) throw new GraphError(`${label(step.handle)} has no port ${direction}(${step.index})`);
      this.#claim(port, direction, `${label(step.handle)}.${direction}(${step.index})`);
      return port;
    }
    const ports = direction === 'in' ? step.inlets : step.outlets;
    if (ports.length === 0) throw new GraphError(`${label(step)} has no ${direction}put`);
    const free = ports.find((p) => !this.#used.has(this.#key(p, direction)));
    if (free === undefined) throw new GraphError(`every ${direction}put of ${label(step)} is already wired`);
    this.#claim(free, direction, label(step));
    return free;
  }

  #claim(port: Port, direction: 'in' | 'out', label: string): void {
    const key = this.#key(port, direction);
    if (this.#used.has(key)) throw new GraphError(`${label} is already wired`);
    this.#used.add(key);
  }

  #key(port: Port, direction: 'in' | 'out'): string {
    return `${this.#ids.get(port.node)}:${direction}:${port.port}`;
  }
}

function portRef(handle: StageHandle, direction: 'in' | 'out', index: number): PortRef {
  return { handle, direction, index };
}

/**
 * Builds a closed graph. The build function adds stages, connects them and may return a
 * sink handle (the run's result is that sink's) or a record of sink handles.
 *
 * @example examples/in-memory-graph.ts
 */
export function graph<B extends Results>(build: (b: GraphBuilder) => B): RunnableGraph<ResultOf<B>> {
  const b = new GraphBuilder();
  const picked = build(b);
  return new RunnableGraph(b.blueprint(), (results) => {
    if (picked === undefined) return undefined as ResultOf<B>;
    if ('resultNode' in picked) return results.get(picked.resultNode as GraphNode) as ResultOf<B>;
    const record: Record<string, unknown> = {};
    for (const [key, handle] of Object.entries(picked)) record[key] = results.get(handle.resultNode);
    return record as ResultOf<B>;
  });
}
