import { type Blueprint, type GraphEdge, type GraphNode, type Port, copyBlueprint, renameNode } from '../core/blueprint.js';
import { Flow, Junction, RunnableGraph, Sink, Source } from '../core/dsl.js';
import { GraphError } from '../errors.js';

/** A stage placed in a graph under construction. */
export interface StageHandle {
  readonly name: string | undefined;
  /** @internal */ readonly inlets: readonly Port[];
  /** @internal */ readonly outlets: readonly Port[];
}

/** A sink placed in a graph: return it (or a record of them) from the build function to get its result. */
export interface SinkHandle<R> extends StageHandle {
  /** @internal */ readonly resultNode: GraphNode;
  readonly _result?: R;
}

/** One port of a junction: `fanout.out(1)`, `join.in(0)`. */
export interface PortRef {
  readonly handle: StageHandle;
  readonly direction: 'in' | 'out';
  readonly index: number;
}

export interface JunctionHandle extends StageHandle {
  in(index: number): PortRef;
  out(index: number): PortRef;
}

type Placeable = Source<unknown> | Flow<unknown, unknown> | Sink<unknown, unknown> | Junction<unknown, unknown>;
/** What `connect` takes: a handle, a junction port, a stage's name, or a stage not yet added. */
export type Step = StageHandle | PortRef | string | Placeable;

type Results = SinkHandle<unknown> | Readonly<Record<string, SinkHandle<unknown>>> | void;
type ResultOf<B> = B extends SinkHandle<infer R> ? R : B extends Readonly<Record<string, SinkHandle<unknown>>> ? { [K in keyof B]: B[K] extends SinkHandle<infer R> ? R : never } : void;

/** Wires stages into a graph. Fan-out and fan-in ports are taken in order unless named. */
export class GraphBuilder {
  readonly #nodes: GraphNode[] = [];
  readonly #edges: GraphEdge[] = [];
  readonly #byName = new Map<string, StageHandle>();
  readonly #used = new Set<string>(); // "node:in:0"-like keys of wired ports
  readonly #ids = new Map<GraphNode, number>();

  add<T>(stage: Source<T>, name?: string): StageHandle;
  add<I, O>(stage: Flow<I, O>, name?: string): StageHandle;
  add<T, R>(stage: Sink<T, R>, name?: string): SinkHandle<R>;
  add<I, O>(stage: Junction<I, O>, name?: string): JunctionHandle;
  add(stage: Placeable, name?: string): StageHandle {
    if (name !== undefined && this.#byName.has(name)) throw new GraphError(`a stage named "${name}" is already in the graph`);
    const handle = this.#place(stage, name);
    if (name !== undefined) this.#byName.set(name, handle);
    return handle;
  }

  /** The stage added under this name. */
  get(name: string): StageHandle {
    const handle = this.#byName.get(name);
    if (handle === undefined) throw new GraphError(`no stage named "${name}" in the graph (known: ${[...this.#byName.keys()].join(', ') || 'none'})`);
    return handle;
  }

  /** Connects each step's output to the next step's input: `b.connect(source, fanout)`, `b.connect(fanout, flow, sink)`. */
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
      const handle: JunctionHandle = {
        name,
        inlets,
        outlets,
        in: (index) => portRef(handle, 'in', index),
        out: (index) => portRef(handle, 'out', index),
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
    const sink: SinkHandle<unknown> = { name, inlets: [at(stage.inlet)], outlets: [], resultNode: remap(stage.resultNode) };
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
