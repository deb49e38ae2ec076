/** `dendrites reconcile --domain D --topic T --group G --keyspace K --since T1 --until T2 [--repair] [--duplicates prevent]` */
import { reconcile, type ReconcileSummary } from 'dendrites/cqrs';
import { parse } from './args.js';
import { cliCassandra, cliKafka } from './connect.js';
import { DOMAIN_HELP, domainSpec, loadDomain } from './domains.js';
import { duplicatesOption, keyspaceOption, topicOption } from './options.js';

export const RECONCILE_USAGE = `usage: dendrites reconcile --domain D --topic T --group G --keyspace K --since T1 --until T2 [--repair] [--duplicates compensate|prevent] [--bucket-ms MS]
  Reads the records of topic T between T1 and T2 (Kafka record time) that group G has committed, and
  reports every command Kafka holds that the journal says was never applied (lost) or never logged.
  --repair applies each lost command (and logs each unlogged one) through the graph's own statements;
  a second run then finds nothing. --duplicates prevent (for a graph run with it): a repair claims the command
  first, as the graph does, so a later delivery of it takes no effect. Exit code 0 when nothing is lost or unlogged (or all was repaired), 1 otherwise.
  ${DOMAIN_HELP}
  T: ISO date/time, ms since the epoch, or now[-<n>s|m|h|d].`;

/** The summary as lines for a person. */
export function reconcileLines(s: ReconcileSummary): string[] {
  return [
    `${s.records} records read (${s.ranges.map((r) => `p${r.partition} ${r.from}..${r.to}`).join(', ')}), ${s.badInput} bad input`,
    `lost (committed, never applied): ${s.lost}; applied but not logged: ${s.notLogged}; repaired: ${s.repaired}`,
  ];
}

export async function reconcileCommand(argv: readonly string[]): Promise<number> {
  const a = parse(argv, {
    domain: { type: 'string' },
    topic: { type: 'string' },
    group: { type: 'string' },
    keyspace: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    repair: { type: 'boolean' },
    duplicates: { type: 'string' },
    'bucket-ms': { type: 'string' },
  });
  const spec = a.required('domain');
  if (spec !== '') a.check(() => domainSpec(spec), spec);
  const topic = topicOption(a);
  const groupId = a.required('group');
  const keyspace = keyspaceOption(a);
  const { since, until } = a.timeRange();
  const bucketMs = a.int('bucket-ms', 3_600_000);
  const repair = a.flag('repair');
  const duplicates = duplicatesOption(a);
  a.done();
  const { domain } = await loadDomain(spec);
  // Not connected here: reconcile() checks its options before it reads Kafka or queries Cassandra.
  const kafka = cliKafka('dendrites-reconcile', { quiet: true });
  const client = cliCassandra();
  try {
    const summary = await reconcile({
      kafka, topic, groupId, client, keyspace, domain, since, until, bucketMs, repair, duplicates,
      onCommand: (r) => console.log(`${r.kind} ${r.commandId} (${r.topic}/${r.partition}@${r.offset})${r.repaired ? ': repaired' : ''}`),
    });
    for (const line of reconcileLines(summary)) console.log(line);
    console.log(JSON.stringify({ records: summary.records, lost: summary.lost, notLogged: summary.notLogged, repaired: summary.repaired, badInput: summary.badInput }));
    return summary.lost + summary.notLogged === summary.repaired ? 0 : 1;
  } finally {
    await client.shutdown();
  }
}
