/** `dendrites graph [--domain D] [--wiring parallel|series]`: prints the command graph as a Mermaid flowchart (connects to nothing). */
import { oneOf, parse } from './args.js';
import { cliCassandra, cliKafka } from './connect.js';
import { DOMAIN_HELP, loadDomain } from './domains.js';
import { commandGraph, WIRINGS } from './run.js';

export const GRAPH_USAGE = `usage: dendrites graph [--domain D] [--wiring parallel|series]   prints the command graph as Mermaid
  ${DOMAIN_HELP} (default money-transfer)`;

export async function graphCommand(argv: readonly string[]): Promise<number> {
  const v = parse(argv, { domain: { type: 'string' }, wiring: { type: 'string' } });
  const wiring = oneOf(v, 'wiring', WIRINGS, 'parallel');
  const { domain } = await loadDomain(typeof v.domain === 'string' ? v.domain : 'money-transfer');
  const client = cliCassandra(); // never connected: building a graph opens nothing
  const g = commandGraph(wiring, { kafka: cliKafka('dendrites-graph'), client, topic: 'commands', groupId: domain.name, keyspace: 'dendrites', domain });
  process.stdout.write(g.toMermaid());
  return 0;
}
