/**
 * The duplicate-compensation job (DESIGN §6). For every time bucket from `since` to
 * `until` it reads the service's effect table and the event log of that bucket as two
 * sorted partition scans (no ALLOW FILTERING), merges them by command id and, per
 * command, knows A (deliveries the service applied) and L (deliveries logged). It undoes
 * the effect of A − 1 deliveries through the domain's compensating function, as one
 * deterministic upsert per account (`comp:<command id>:<account>`) holding the whole
 * correction, so a second run changes nothing and a run after new duplicates corrects to
 * the new total. L − 1 is reported as audit duplicates.
 *
 * @example examples/cqrs-money-transfer.ts
 */
import { bucketsBetween } from '../internal/cassandra/event-log.js';
import type { CqlClient } from '../internal/cassandra/client.js';
import { type BucketCounts, type CommandReport, type CompensationDomain, compensateBucket, emptyCounts } from '../internal/compensation/bucket.js';
import { Limiter } from '../internal/compensation/limiter.js';
import { checkOptions } from '../internal/compensation/options.js';
import { moneyTransferCompensation, type MoneyCommand } from '../domain/index.js';
import { AbortedError } from '../errors.js';

export type { CommandReport, CompensationDomain } from '../internal/compensation/bucket.js';
export type { Movement } from '../internal/compensation/plan.js';

export interface CompensateOptions<C> {
  /** A connected cassandra-driver Client (or anything with its `execute` and `batch`). */
  readonly client: CqlClient;
  /** The keyspace of the service's tables and the event log. */
  readonly keyspace: string;
  /** The first bucket scanned is the one `since` falls in (Kafka record time). */
  readonly since: Date | number | string;
  /** The last bucket scanned is the one `until` falls in. */
  readonly until: Date | number | string;
  /** Reads commands back from the effect rows and compensates them. Default: the money-transfer domain. */
  readonly domain?: CompensationDomain<C>;
  /** Report what would be written, write nothing. Default false. */
  readonly dryRun?: boolean;
  /** The bucket size the command graph wrote with. Default one hour (the event log's default). */
  readonly bucketMs?: number;
  /** Rows per page of each partition scan. Default 1000. */
  readonly fetchSize?: number;
  /** Correction batches in flight at once. Default 16. */
  readonly writeParallelism?: number;
  /** Called after each bucket and every few thousand rows. */
  readonly onProgress?: (progress: CompensationProgress) => void;
  /** Called for each command with duplicate effects (or an earlier correction). */
  readonly onCommand?: (report: CommandReport) => void;
  /** Aborting it stops the job between commands (what was written stays written: it is idempotent). */
  readonly signal?: AbortSignal;
}

export interface CompensationProgress {
  readonly bucket: Date;
  /** Buckets finished so far, of `buckets`. */
  readonly bucketsDone: number;
  readonly buckets: number;
  readonly rowsScanned: number;
  readonly duplicateEffects: number;
}

export interface CompensationSummary extends Readonly<BucketCounts> {
  readonly dryRun: boolean;
  readonly since: Date;
  readonly until: Date;
  /** Buckets scanned. */
  readonly buckets: number;
  /** Rows read from the three tables. */
  readonly rowsScanned: number;
  readonly elapsedMs: number;
}

/** Runs the job once; see the module comment. Bad options throw a ConfigError before anything is read. */
export async function compensate<C = MoneyCommand>(options: CompensateOptions<C>): Promise<CompensationSummary> {
  const o = checkOptions(options);
  const domain = (options.domain ?? moneyTransferCompensation) as CompensationDomain<C>;
  const dryRun = options.dryRun ?? false;
  const started = Date.now();
  const buckets = bucketsBetween(o.since, o.until, o.bucketMs);
  const counts = emptyCounts();
  const writes = new Limiter(o.writeParallelism);
  const rows = (): number => counts.effectRows + counts.logRows + counts.recordRows;
  let lastReport = 0;
  let done = 0;
  const report = (bucket: Date): void =>
    options.onProgress?.({ bucket, bucketsDone: done, buckets: buckets.length, rowsScanned: rows(), duplicateEffects: counts.duplicateEffects });
  for (const bucket of buckets) {
    if (options.signal?.aborted === true) throw new AbortedError('compensate aborted', { cause: options.signal.reason });
    await compensateBucket({
      client: options.client,
      keyspace: o.keyspace,
      bucket,
      domain,
      dryRun,
      fetchSize: o.fetchSize,
      writes,
      counts,
      onRows: () => {
        if (rows() - lastReport < 5000) return;
        lastReport = rows();
        report(bucket);
      },
      onCommand: options.onCommand,
    });
    done++;
    report(bucket);
  }
  await writes.drain();
  return { ...counts, dryRun, since: o.since, until: o.until, buckets: buckets.length, rowsScanned: rows(), elapsedMs: Date.now() - started };
}
