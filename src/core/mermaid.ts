import type { Blueprint } from './blueprint.js';
import { nameNodes } from './analyze.js';

/** Draws a graph as a Mermaid flowchart; fan-out and fan-in edges are labelled with their ports. */
export function toMermaid(bp: Blueprint): string {
  const names = nameNodes(bp);
  const ids = new Map(bp.nodes.map((n, i) => [n, `s${i}`]));
  const lines = ['flowchart LR'];
  for (const n of bp.nodes) {
    const label = n.stage.kind === names.get(n) ? n.stage.kind : `${names.get(n)}<br/><i>${n.stage.kind}</i>`;
    const shape = n.stage.inputs === 0 ? [`([`, `])`] : n.stage.outputs === 0 ? [`[(`, `)]`] : n.stage.inputs > 1 || n.stage.outputs > 1 ? ['{{', '}}'] : ['[', ']'];
    lines.push(`  ${ids.get(n)}${shape[0]}"${label}"${shape[1]}`);
  }
  for (const e of bp.edges) {
    const fan = e.from.stage.outputs > 1 ? `out${e.fromPort}` : e.to.stage.inputs > 1 ? `in${e.toPort}` : '';
    lines.push(`  ${ids.get(e.from)} -->${fan ? `|${fan}|` : ''} ${ids.get(e.to)}`);
  }
  return lines.join('\n') + '\n';
}
