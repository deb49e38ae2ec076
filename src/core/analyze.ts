import { GraphError } from '../errors.js';
import type { Blueprint, GraphEdge, GraphNode } from './blueprint.js';

/**
 * Names every node uniquely: a given name must be unique; unnamed stages are called
 * after their kind, with `-2`, `-3`, ... when the kind repeats.
 */
export function nameNodes(bp: Blueprint): Map<GraphNode, string> {
  const names = new Map<GraphNode, string>();
  const taken = new Set<string>();
  for (const n of bp.nodes) {
    if (n.name === undefined) continue;
    if (taken.has(n.name)) throw new GraphError(`two stages are named "${n.name}"; stage names must be unique in a graph`);
    taken.add(n.name);
    names.set(n, n.name);
  }
  for (const n of bp.nodes) {
    if (n.name !== undefined) continue;
    let name = n.stage.kind;
    for (let i = 2; taken.has(name); i++) name = `${n.stage.kind}-${i}`;
    taken.add(name);
    names.set(n, name);
  }
  return names;
}

export interface Analysis {
  readonly names: Map<GraphNode, string>;
  /** Nodes in an order where every node comes after all its upstreams. */
  readonly order: readonly GraphNode[];
  /** For each node, the edge into each of its input ports, by port. */
  readonly inputs: Map<GraphNode, GraphEdge[]>;
}

/** Checks that a graph can run: every port wired exactly once, no cycle. */
export function analyze(bp: Blueprint): Analysis {
  const names = nameNodes(bp);
  const inputs = new Map<GraphNode, GraphEdge[]>();
  const outputs = new Map<GraphNode, GraphEdge[]>();
  for (const n of bp.nodes) {
    inputs.set(n, new Array<GraphEdge>(n.stage.inputs));
    outputs.set(n, new Array<GraphEdge>(n.stage.outputs));
  }
  const port = (n: GraphNode, dir: 'in' | 'out', i: number): string => `${names.get(n)}.${dir}(${i})`;
  for (const e of bp.edges) {
    const ins = inputs.get(e.to);
    const outs = outputs.get(e.from);
    if (ins === undefined || outs === undefined) throw new GraphError('an edge leads to a stage outside the graph');
    if (e.toPort >= ins.length) throw new GraphError(`port ${port(e.to, 'in', e.toPort)} does not exist`);
    if (e.fromPort >= outs.length) throw new GraphError(`port ${port(e.from, 'out', e.fromPort)} does not exist`);
    if (ins[e.toPort] !== undefined) throw new GraphError(`port ${port(e.to, 'in', e.toPort)} is wired twice`);
    if (outs[e.fromPort] !== undefined) throw new GraphError(`port ${port(e.from, 'out', e.fromPort)} is wired twice`);
    ins[e.toPort] = e;
    outs[e.fromPort] = e;
  }
  for (const n of bp.nodes) {
    const ins = inputs.get(n) ?? [];
    const outs = outputs.get(n) ?? [];
    for (let i = 0; i < ins.length; i++) if (ins[i] === undefined) throw new GraphError(`port ${port(n, 'in', i)} is not wired`);
    for (let i = 0; i < outs.length; i++) if (outs[i] === undefined) throw new GraphError(`port ${port(n, 'out', i)} is not wired`);
  }
  // Kahn's algorithm: a node is ready once all its upstreams are placed.
  const pending = new Map<GraphNode, number>(bp.nodes.map((n) => [n, n.stage.inputs]));
  const ready = bp.nodes.filter((n) => n.stage.inputs === 0);
  const order: GraphNode[] = [];
  while (ready.length > 0) {
    const n = ready.shift() as GraphNode;
    order.push(n);
    for (const e of outputs.get(n) ?? []) {
      const left = (pending.get(e.to) ?? 0) - 1;
      pending.set(e.to, left);
      if (left === 0) ready.push(e.to);
    }
  }
  if (order.length !== bp.nodes.length) {
    const stuck = bp.nodes.filter((n) => !order.includes(n)).map((n) => names.get(n));
    throw new GraphError(`the graph has a cycle through ${stuck.join(', ')}`);
  }
  return { names, order, inputs };
}
