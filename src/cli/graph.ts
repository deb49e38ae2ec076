/** `dendrites graph [--wiring parallel|series]`: prints the command graph as a Mermaid flowchart (connects to nothing). */
import { moneyTransferDomain } from '../domain/command-domain.js';
import { oneOf, parse } from './args.js';
import { cliCassandra, cliKafka } from './connect.js';
import { moneyGraph, WIRINGS } from './run.js';

export const GRAPH_USAGE = 'usage: dendrites graph [--wiring parallel|series]   prints the command graph as Mermaid';

export async function graphCommand(argv: readonly string[]): Promise<number> {
  const v = parse(argv, { wiring: { type: 'string' } });
  const wiring = oneOf(v, 'wiring', WIRINGS, 'parallel');
  const client = cliCassandra(); // never connected: building a graph opens nothing
  const g = moneyGraph(wiring, { kafka: cliKafka('dendrites-graph'), client, topic: 'commands', groupId: 'money-transfer', keyspace: 'dendrites', domain: moneyTransferDomain() });
  process.stdout.write(g.toMermaid());
  return 0;
}
