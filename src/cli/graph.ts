/** `dendrites graph [--domain D] [--wiring parallel|series]`: prints the command graph as a Mermaid flowchart (connects to nothing). */
import { parse } from './args.js';
import { cliCassandra, cliKafka } from './connect.js';
import { DOMAIN_HELP, domainSpec, loadDomain } from './domains.js';
import { commandGraph, WIRINGS } from './run.js';

export const GRAPH_USAGE = `usage: dendrites graph [--domain D] [--wiring parallel|series]   prints the command graph as Mermaid
  ${DOMAIN_HELP} (default money-transfer)`;

export async function graphCommand(argv: readonly string[]): Promise<number> {
  const a = parse(argv, { domain: { type: 'string' }, wiring: { type: 'string' } });
  const wiring = a.oneOf('wiring', WIRINGS, 'parallel');
  const spec = a.string('domain', 'money-transfer');
  a.check(() => domainSpec(spec), spec);
  a.done();
  const { domain } = await loadDomain(spec);
  const client = cliCassandra(); // never connected: building a graph opens nothing
  const g = commandGraph(wiring, { kafka: cliKafka('dendrites-graph', { quiet: true }), client, topic: 'commands', groupId: domain.name, keyspace: 'dendrites', domain });
  process.stdout.write(g.toMermaid());
  return 0;
}
