/** `dendrites compensate --domain D --keyspace K --since T1 --until T2 [--dry-run] [--bucket-ms N]` */
import { compensate, type CompensationSummary } from 'dendrites/cqrs';
import { parse } from './args.js';
import { cliCassandra } from './connect.js';
import { DOMAIN_HELP, domainSpec, loadDomain } from './domains.js';
import { keyspaceOption } from './options.js';
import { progressLine } from './progress.js';

export const COMPENSATE_USAGE = `usage: dendrites compensate --domain D --keyspace K --since T1 --until T2 [--dry-run] [--bucket-ms MS]
  Finds the commands of domain D applied more than once between T1 and T2 (Kafka record time)
  and undoes their extra deliveries through the domain, once (running it again changes nothing).
  ${DOMAIN_HELP}
  T: ISO date/time, ms since the epoch, or now[-<n>s|m|h|d]. --bucket-ms: the graph's bucket size (default 3600000).
  Cassandra: CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC (default 127.0.0.1:9042, datacenter1).`;

/** The summary as lines for a person. */
export function summaryLines(s: CompensationSummary): string[] {
  return [
    `${s.dryRun ? 'dry run (nothing written): ' : ''}${s.buckets} bucket(s), ${s.rowsScanned} journal rows read, ${s.commands} commands (${s.deliveriesApplied} deliveries applied, ${s.deliveriesLogged} logged)`,
    `commands applied more than once: ${s.duplicateEffects} (${s.duplicateDeliveries} extra deliveries)`,
    `compensated${s.dryRun ? ' (would be)' : ''}: ${s.compensated}; unchanged since last run: ${s.unchanged}; nothing to undo (idempotent domain): ${s.idempotent}`,
    `audit duplicates in the event log: ${s.auditDuplicates}; applied but not logged: ${s.appliedNotLogged}; logged but not applied: ${s.loggedNotApplied}`,
    s.compensated === 0 && s.unchanged > 0 ? 'nothing changed: every correction was already in place' : '',
  ].filter((l) => l !== '');
}

export async function compensateCommand(argv: readonly string[]): Promise<number> {
  const a = parse(argv, { domain: { type: 'string' }, keyspace: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'bucket-ms': { type: 'string' } });
  const spec = a.required('domain');
  if (spec !== '') a.check(() => domainSpec(spec), spec);
  const keyspace = keyspaceOption(a);
  const { since, until } = a.timeRange();
  const bucketMs = a.int('bucket-ms', 3_600_000);
  a.done();
  const { domain } = await loadDomain(spec);
  // Not connected here: compensate() checks its options (a range of too many buckets, say) before its
  // first query, and the driver connects on that query.
  const client = cliCassandra();
  const bar = progressLine(process.stderr, 'compensate ');
  try {
    const summary = await compensate({
      client,
      keyspace,
      domain,
      since,
      until,
      bucketMs,
      dryRun: a.flag('dry-run'),
      onProgress: (p) => bar.update(p.bucketsDone / p.buckets, `bucket ${p.bucketsDone}/${p.buckets}, ${p.rowsScanned} rows`),
    });
    bar.done('done');
    for (const line of summaryLines(summary)) console.log(line);
    return 0;
  } finally {
    await client.shutdown();
  }
}
