import type { StageDef } from './stage.js';

/** One placed stage of a graph. A node is never shared between two blueprints. */
export interface GraphNode {
  readonly stage: StageDef;
  readonly name: string | undefined;
}

export interface GraphEdge {
  readonly from: GraphNode;
  readonly fromPort: number;
  readonly to: GraphNode;
  readonly toPort: number;
}

/** The immutable wiring of a graph or of a part of one. */
export interface Blueprint {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export interface Port {
  readonly node: GraphNode;
  readonly port: number;
}

export const emptyBlueprint: Blueprint = { nodes: [], edges: [] };

/**
 * Copies a blueprint with fresh nodes, so that a definition used twice in one graph
 * becomes two stages. `remap` turns a node of the original into its copy.
 */
export function copyBlueprint(bp: Blueprint): { bp: Blueprint; remap: (n: GraphNode) => GraphNode } {
  const map = new Map<GraphNode, GraphNode>();
  for (const n of bp.nodes) map.set(n, { stage: n.stage, name: n.name });
  const remap = (n: GraphNode): GraphNode => {
    const copy = map.get(n);
    if (copy === undefined) throw new Error('node not in blueprint');
    return copy;
  };
  const edges = bp.edges.map((e) => ({ from: remap(e.from), fromPort: e.fromPort, to: remap(e.to), toPort: e.toPort }));
  return { bp: { nodes: [...map.values()], edges }, remap };
}

export function joinBlueprints(a: Blueprint, b: Blueprint, ...edges: GraphEdge[]): Blueprint {
  return { nodes: [...a.nodes, ...b.nodes], edges: [...a.edges, ...b.edges, ...edges] };
}

export function singleNode(stage: StageDef, name?: string): GraphNode {
  return { stage, name };
}

/** Gives a node a name in a copy of the blueprint. */
export function renameNode(bp: Blueprint, node: GraphNode, name: string): { bp: Blueprint; remap: (n: GraphNode) => GraphNode } {
  const renamed: GraphNode = { stage: node.stage, name };
  const remap = (n: GraphNode): GraphNode => (n === node ? renamed : n);
  return {
    bp: {
      nodes: bp.nodes.map(remap),
      edges: bp.edges.map((e) => ({ ...e, from: remap(e.from), to: remap(e.to) })),
    },
    remap,
  };
}
