/**
 * The duplicate-compensation job, generic in the user's domain. It is itself a dendrites
 * graph:
 *
 *   commands (fromAsyncIterable: each bucket of `dendrites_journal_by_bucket`, a sorted
 *   partition scan, one element per distinct command id) → look-up (mapAsync: the command's
 *   partition of `dendrites_journal`, every delivery of it whatever its bucket) →
 *   correct (forEach: the domain's compensating upserts and the job's record, one logged batch)
 *
 * Per command it knows A (deliveries the service applied) and L (deliveries logged). It
 * asks the domain for the upserts that undo A − 1 deliveries and records that count in
 * the journal (a static column), in the same logged batch: a second run sees the count
 * and writes nothing, and a run after new duplicates writes the correction for the new
 * total. L − 1 is reported as audit duplicates. A command whose deliveries lie in
 * several buckets (produced twice, hours apart) is handled once, in the first bucket of
 * the range that holds one of them, with all its deliveries counted. Memory does not grow
 * with the rows scanned: the scan is paged and the graph holds at most `parallelism`
 * commands.
 *
 * @example examples/own-domain.ts
 */
import { AbortedError, ConfigError, DendritesError, messageOf } from '../errors.js';
import { fromAsyncIterable } from '../stages/from-async-iterable.js';
import { mapAsync } from '../stages/map-async.js';
import { forEach } from '../stages/for-each.js';
import { bucketsBetween } from '../connectors/cassandra/event-log.js';
import type { CqlBatchEntry, CqlClient } from '../connectors/cassandra/client.js';
import type { CommandDomain } from './cqrs/domain.js';
import { checkDomain } from './cqrs/options.js';
import { checkOptions } from './cqrs/job-options.js';
import { countsOf, decide, handledIn, type JournalRow, type Verdict } from './cqrs/plan.js';
import { scanPartition } from './cqrs/scan.js';
import { JOURNAL_BY_BUCKET_TABLE, JOURNAL_TABLE } from './cqrs/tables.js';

/** The options of `compensate`: where the command graph wrote, its domain, and the time range to scan. */
export interface CompensateOptions<C> {
  /** A connected cassandra-driver Client (or anything with its `execute` and `batch`). */
  readonly client: CqlClient;
  /** The keyspace the command graph wrote to. */
  readonly keyspace: string;
  /** The domain the command graph ran with: it decodes stored commands and compensates them. Required. */
  readonly domain: CommandDomain<C, unknown>;
  /** The first bucket scanned is the one `since` falls in (Kafka record time). */
  readonly since: Date | number | string;
  /** The last bucket scanned is the one `until` falls in. */
  readonly until: Date | number | string;
  /** Report what would be written, write nothing. Default false. */
  readonly dryRun?: boolean;
  /** The bucket size the command graph wrote with, ms. Default 3,600,000 (one hour, the graph's default). */
  readonly bucketMs?: number;
  /** Rows per page of each scan (the driver's fetchSize). Default 1000. */
  readonly pageSize?: number;
  /** Commands looked up and corrected at once. Default 16. */
  readonly parallelism?: number;
  /** Called after each bucket. */
  readonly onProgress?: (progress: CompensationProgress) => void;
  /** Called for each command with extra deliveries (or an earlier correction). */
  readonly onCommand?: (report: CommandReport) => void;
  /** Aborting it stops the job (what was written stays written: it is idempotent). */
  readonly signal?: AbortSignal;
}

/** Where the job is, after each bucket (`onProgress`). */
export interface CompensationProgress {
  /** The bucket just scanned. */
  readonly bucket: Date;
  /** Buckets scanned so far, of `buckets`. */
  readonly bucketsDone: number;
  /** Buckets in the range. */
  readonly buckets: number;
  /** Journal rows read so far. */
  readonly rowsScanned: number;
}

/** What happened to one command that was applied more than once (or corrected before). */
export interface CommandReport {
  /** The bucket that handled it (the first of the range holding one of its deliveries). */
  readonly bucket: Date;
  /** The command's id. */
  readonly commandId: string;
  /** Deliveries the service applied (A), in all buckets. */
  readonly applied: number;
  /** Deliveries the event log holds (L), in all buckets. */
  readonly logged: number;
  /**
   * `write`: the correction of `compensated` extra deliveries was (in a dry run: would be)
   * written; `unchanged`: it already was; `idempotent`: the domain has nothing to undo (no
   * `compensate`, or it returned no statement for this command).
   */
  readonly outcome: 'write' | 'unchanged' | 'idempotent';
  /** Extra deliveries the correction undoes (A − 1). */
  readonly compensated: number;
}

/** What one run of `compensate` found and did. */
export interface CompensationSummary {
  /** Whether it was a dry run (nothing written). */
  readonly dryRun: boolean;
  /** The `since` option, as a Date. */
  readonly since: Date;
  /** The `until` option, as a Date. */
  readonly until: Date;
  /** Buckets scanned. */
  readonly buckets: number;
  /** Rows read from the journal (both tables). */
  readonly rowsScanned: number;
  /** Distinct commands handled. */
  readonly commands: number;
  /** Deliveries applied, over those commands (Σ A). */
  readonly deliveriesApplied: number;
  /** Deliveries logged, over those commands (Σ L). */
  readonly deliveriesLogged: number;
  /** Commands applied more than once (A ≥ 2). */
  readonly duplicateEffects: number;
  /** Extra deliveries applied (Σ (A − 1)). */
  readonly duplicateDeliveries: number;
  /** Corrections written (in a dry run: that would be). */
  readonly compensated: number;
  /** Commands whose correction was already in place. */
  readonly unchanged: number;
  /** Commands applied more than once with nothing to undo: the domain has no `compensate`, or it returned no statement. */
  readonly idempotent: number;
  /** Extra deliveries logged (Σ (L − 1)): the event log's audit duplicates. */
  readonly auditDuplicates: number;
  /** Commands applied but never logged (a crash between the branches in the parallel wiring). */
  readonly appliedNotLogged: number;
  /** Commands logged but never applied. */
  readonly loggedNotApplied: number;
  /** How long the run took, ms. */
  readonly elapsedMs: number;
}

type Counts = { -readonly [K in Exclude<keyof CompensationSummary, 'dryRun' | 'since' | 'until' | 'buckets' | 'elapsedMs'>]: number };

/** A command id found in a bucket. */
interface Found {
  readonly bucket: Date;
  readonly commandId: string;
}

/** A command looked up: its verdict and what the job needs to act on it. */
interface Looked extends Found {
  readonly counts: { readonly applied: number; readonly logged: number };
  readonly verdict: Verdict;
  /** The stored command (the first applied delivery's), when any delivery was applied. */
  readonly stored: string | undefined;
}

/**
 * Runs the duplicate-compensation job once over the buckets from `since` to `until`: per
 * command applied more than once, writes the domain's upserts that undo the extra deliveries
 * with a record of the correction, in one logged batch. Idempotent: a second run writes
 * nothing. docs/cqrs.md says why it is right at every crash point. Bad options throw a
 * ConfigError before anything is read.
 */
export async function compensate<C>(options: CompensateOptions<C>): Promise<CompensationSummary> {
  const o = checkOptions(options);
  checkDomain('compensate', options.domain);
  const domain = options.domain;
  const { client, keyspace: ks } = { client: options.client, keyspace: o.keyspace };
  const dryRun = options.dryRun ?? false;
  const started = Date.now();
  await checkTables(client, ks);

  const buckets = bucketsBetween(o.since, o.until, o.bucketMs);
  const rangeStart = buckets[0].getTime();
  const counts: Counts = {
    rowsScanned: 0, commands: 0, deliveriesApplied: 0, deliveriesLogged: 0, duplicateEffects: 0, duplicateDeliveries: 0,
    compensated: 0, unchanged: 0, idempotent: 0, auditDuplicates: 0, appliedNotLogged: 0, loggedNotApplied: 0,
  };
  const context = { client, keyspace: ks };
  const compensates = domain.compensate !== undefined;
  const decodeStored = domain.decodeStored ?? ((text: string) => JSON.parse(text) as C);

  async function* commandsInRange(): AsyncGenerator<Found> {
    let done = 0;
    for (const bucket of buckets) {
      let last: string | undefined;
      const rows = scanPartition(client, `SELECT command_id FROM ${ks}.${JOURNAL_BY_BUCKET_TABLE} WHERE bucket = ?`, [bucket], o.pageSize, (n) => (counts.rowsScanned += n));
      for await (const row of rows) {
        const commandId = String(row.get('command_id'));
        if (commandId === last) continue; // the rows of one command are side by side
        last = commandId;
        yield { bucket, commandId };
      }
      done++;
      options.onProgress?.({ bucket, bucketsDone: done, buckets: buckets.length, rowsScanned: counts.rowsScanned });
    }
  }

  const lookUp = async (found: Found): Promise<Looked | undefined> => {
    const rows: JournalRow[] = [];
    let stored: string | undefined;
    let previous: number | undefined;
    const query = `SELECT kind, bucket, command, compensated FROM ${ks}.${JOURNAL_TABLE} WHERE command_id = ?`;
    for await (const row of scanPartition(client, query, [found.commandId], o.pageSize, (n) => (counts.rowsScanned += n))) {
      const kind = row.get('kind') === 'applied' ? 'applied' : 'logged';
      rows.push({ kind, bucket: (row.get('bucket') as Date).getTime() });
      if (kind === 'applied' && stored === undefined) stored = row.get('command') as string | undefined;
      const c = row.get('compensated') as number | null;
      if (c !== null && c !== undefined) previous = c;
    }
    if (!handledIn(found.bucket.getTime(), rangeStart, rows)) return undefined;
    const n = countsOf(rows);
    return { ...found, counts: n, verdict: decide(n, previous, compensates), stored: stored ?? undefined };
  };

  const act = async (c: Looked | undefined): Promise<void> => {
    if (c === undefined) return; // another bucket of the range handles it
    const { applied, logged } = c.counts;
    counts.commands++;
    counts.deliveriesApplied += applied;
    counts.deliveriesLogged += logged;
    if (applied >= 2) {
      counts.duplicateEffects++;
      counts.duplicateDeliveries += applied - 1;
    }
    if (logged >= 2) counts.auditDuplicates += logged - 1;
    if (applied >= 1 && logged === 0) counts.appliedNotLogged++;
    if (applied === 0 && logged >= 1) counts.loggedNotApplied++;
    const v = c.verdict;
    if (v.kind === 'clean') return;
    const batch: CqlBatchEntry[] = v.kind === 'write' ? [...(domain.compensate?.(readBack(c, domain.name, decodeStored), v.compensated, context) ?? [])] : [];
    const outcome = v.kind === 'write' && batch.length === 0 ? 'idempotent' : v.kind; // nothing to undo for this command
    counts[outcome === 'write' ? 'compensated' : outcome]++;
    options.onCommand?.({ bucket: c.bucket, commandId: c.commandId, applied, logged, outcome, compensated: v.compensated });
    if (outcome !== 'write' || dryRun) return;
    batch.push({ query: `UPDATE ${ks}.${JOURNAL_TABLE} SET compensated = ?, compensated_at = ? WHERE command_id = ?`, params: [v.compensated, new Date(), c.commandId] });
    await client.batch(batch, { prepare: true, logged: true, isIdempotent: true });
  };

  const handle = fromAsyncIterable(commandsInRange())
    .named('journal-by-bucket')
    .via(mapAsync(lookUp, { parallelism: o.parallelism, ordered: false }).named('look-up'))
    .runWith(forEach(act, { parallelism: o.parallelism }).named('correct'), { signal: options.signal });
  try {
    await handle.done;
  } catch (error) {
    if (options.signal?.aborted === true) throw new AbortedError('compensate aborted', { cause: options.signal.reason });
    throw error;
  }
  return { ...counts, dryRun, since: o.since, until: o.until, buckets: buckets.length, elapsedMs: Date.now() - started };
}

/** The stored command of a looked-up command, decoded by the domain; an error names the command, bucket and domain. */
function readBack<C>(c: Looked, domain: string, decodeStored: (text: string) => C): C {
  const where = `command ${c.commandId} (bucket ${c.bucket.toISOString()}, domain ${domain})`;
  if (c.stored === undefined || c.stored === null) throw new DendritesError(`compensate: ${where} has no stored command in ${JOURNAL_TABLE}`, { key: c.commandId });
  try {
    return decodeStored(c.stored);
  } catch (error) {
    throw new DendritesError(`compensate: the stored form of ${where} cannot be decoded: ${messageOf(error)}`, { key: c.commandId, cause: error });
  }
}

/** Fails with a ConfigError naming what is missing when the keyspace lacks the journal tables. */
async function checkTables(client: CqlClient, keyspace: string): Promise<void> {
  const result = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [keyspace], { prepare: true });
  const present = new Set(result.rows.map((r) => String(r.get('table_name'))));
  const missing = [JOURNAL_TABLE, JOURNAL_BY_BUCKET_TABLE].filter((t) => !present.has(t));
  if (missing.length === 0) return;
  const what = present.size === 0 ? `keyspace ${keyspace} does not exist or has no tables` : `keyspace ${keyspace} has no table ${missing.join(' or ')}`;
  throw new ConfigError(`compensate: ${what}; the command graph's keyspace needs the library's tables: createCqrsTables(client, '${keyspace}')`);
}

