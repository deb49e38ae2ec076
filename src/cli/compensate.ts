/** `dendrites compensate --keyspace K --since T1 --until T2 [--dry-run] [--bucket-ms N]` */
import cassandra from 'cassandra-driver';
import { connectionSettings } from '../../services/services.js';
import { compensate, type CompensationSummary } from '../graphs/compensation-job.js';
import { int, parse, required, time } from './args.js';
import { progressLine } from './progress.js';

export const COMPENSATE_USAGE = `usage: dendrites compensate --keyspace K --since T1 --until T2 [--dry-run] [--bucket-ms MS]
  Finds commands the service applied more than once between T1 and T2 (Kafka record time)
  and moves their duplicate effects back, once (running it again changes nothing).
  T: ISO date/time, ms since the epoch, or now[-<n>s|m|h|d]. --bucket-ms: the graph's bucket size (default 3600000).
  Cassandra: CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC (default 127.0.0.1:9042, datacenter1).`;

/** The summary as lines for a person. */
export function summaryLines(s: CompensationSummary): string[] {
  return [
    `${s.dryRun ? 'dry run (nothing written): ' : ''}${s.buckets} bucket(s) scanned, ${s.rowsScanned} rows (effects ${s.effectRows}, event log ${s.logRows}, earlier corrections ${s.recordRows}), ${s.commands} commands`,
    `commands with duplicate effects: ${s.duplicateEffects} (${s.duplicateDeliveries} duplicate deliveries)`,
    `compensated${s.dryRun ? ' (would be)' : ''}: ${s.compensated}; unchanged since last run: ${s.unchanged}`,
    `audit duplicates in the event log: ${s.auditDuplicates}; applied but not logged: ${s.appliedNotLogged}; logged but not applied: ${s.loggedNotApplied}`,
    s.compensated === 0 && s.duplicateEffects > 0 ? 'nothing changed: every correction was already in place' : '',
  ].filter((l) => l !== '');
}

export async function compensateCommand(argv: readonly string[]): Promise<number> {
  const v = parse(argv, { keyspace: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'bucket-ms': { type: 'string' } });
  const keyspace = required(v, 'keyspace');
  const since = time(v, 'since');
  const until = time(v, 'until');
  const bucketMs = int(v, 'bucket-ms', 3_600_000);
  const s = connectionSettings();
  const client = new cassandra.Client({ contactPoints: s.cassandraContactPoints, localDataCenter: s.cassandraLocalDc });
  const bar = progressLine(process.stderr, 'compensate ');
  try {
    await client.connect();
    const summary = await compensate({
      client,
      keyspace,
      since,
      until,
      bucketMs,
      dryRun: v['dry-run'] === true,
      onProgress: (p) => bar.update(p.bucketsDone / p.buckets, `bucket ${p.bucketsDone}/${p.buckets}, ${p.rowsScanned} rows, ${p.duplicateEffects} with duplicate effects`),
    });
    bar.done('done');
    for (const line of summaryLines(summary)) console.log(line);
    return 0;
  } finally {
    await client.shutdown();
  }
}
