import { ConfigError } from '../../errors.js';
import { DEFAULT_BUCKET_MS } from '../../connectors/cassandra/event-log.js';
import { cqlIdentifier } from '../../connectors/cassandra/schema.js';
import { positiveInteger } from '../../core/options.js';

/** The most buckets one run may scan (a guard against a mistyped range). */
export const MAX_BUCKETS = 1_000_000;

export interface CheckedOptions {
  readonly keyspace: string;
  readonly since: Date;
  readonly until: Date;
  readonly bucketMs: number;
  readonly pageSize: number;
  readonly parallelism: number;
}

/** A time option (a Date, ms since the epoch, or a date string) as a Date; a ConfigError naming the option otherwise. */
export function timeOption(stage: string, name: string, value: unknown): Date {
  const d = value instanceof Date ? new Date(value.getTime()) : typeof value === 'number' || typeof value === 'string' ? new Date(value) : undefined;
  if (d === undefined || Number.isNaN(d.getTime())) throw new ConfigError(`${stage}: ${name} must be a date or ms since the epoch, got ${String(value)}`);
  return d;
}

/** `since` and `until` as Dates, `since` not after `until`. */
export function timeRange(stage: string, since: unknown, until: unknown): { readonly since: Date; readonly until: Date } {
  const range = { since: timeOption(stage, 'since', since), until: timeOption(stage, 'until', until) };
  if (range.since.getTime() > range.until.getTime()) throw new ConfigError(`${stage}: since (${range.since.toISOString()}) is after until (${range.until.toISOString()})`);
  return range;
}

/** Validates the job's options up front; throws a ConfigError naming the bad one. */
export function checkOptions(o: {
  readonly keyspace: string;
  readonly since: Date | number | string;
  readonly until: Date | number | string;
  readonly bucketMs?: number;
  readonly pageSize?: number;
  readonly parallelism?: number;
}): CheckedOptions {
  const keyspace = cqlIdentifier('compensate: keyspace', o.keyspace);
  const { since, until } = timeRange('compensate', o.since, o.until);
  const bucketMs = positiveInteger('compensate', 'bucketMs', o.bucketMs, DEFAULT_BUCKET_MS);
  const buckets = Math.floor(until.getTime() / bucketMs) - Math.floor(since.getTime() / bucketMs) + 1;
  if (buckets > MAX_BUCKETS) throw new ConfigError(`compensate: ${since.toISOString()}..${until.toISOString()} spans ${buckets} buckets; at most ${MAX_BUCKETS}`);
  return {
    keyspace,
    since,
    until,
    bucketMs,
    pageSize: positiveInteger('compensate', 'pageSize', o.pageSize, 1000),
    parallelism: positiveInteger('compensate', 'parallelism', o.parallelism, 16),
  };
}
