/** The options of the command graphs, validated once up front (ConfigError naming the bad one). */
import type { Kafka } from 'kafkajs';
import type { SinkCallContext } from '../../stages/for-each.js';
import type { KafkaSourceOptions } from '../../stages/kafka-source.js';
import { ConfigError } from '../../errors.js';
import type { CqlClient } from '../../connectors/cassandra/client.js';
import { DEFAULT_BUCKET_MS } from '../../connectors/cassandra/event-log.js';
import { type RetryOptions, type RetryPolicy, retryPolicy } from '../../connectors/cassandra/retry.js';
import { cqlIdentifier } from '../../connectors/cassandra/schema.js';
import { type OnRecordError, onRecordErrorOption } from '../../connectors/cassandra/write.js';
import { positiveInteger } from '../../core/options.js';
import type { CommandDelivery, CommandDomain } from './domain.js';
import type { FaultHooks } from './faults.js';

/** A branch you write yourself: called once per delivery; the record's offset commits only after it resolves. */
export type BranchFunction<C> = (delivery: CommandDelivery<C>, context: SinkCallContext) => unknown;

/**
 * Writes in flight per branch unless `parallelism` says otherwise. Measured with the e2e
 * bench (bench/RESULTS.md, "e2e"; 2 cores shared by Node, Kafka and Cassandra): a logged
 * batch takes ~5 ms on an idle node and more under load, so 16 per branch capped the graph
 * near 32 writes / 5 ms ≈ 3,300 commands/s while Cassandra could take more; 64 per branch
 * reached ~4,000/s, 128 ~4,500–6,000/s, 256 was no better and noisier. A write in flight
 * costs a few KB, so 2 × 128 is still small. Lower it for a cluster shared with other work.
 */
export const DEFAULT_GRAPH_PARALLELISM = 128;

/**
 * The fetch bounds the command graphs give `kafkaSource` unless `consumer` says otherwise:
 * 64 KiB per partition and 256 KiB per fetch (kafkajs' own are 1 MiB and 10 MiB). kafkajs
 * decodes a whole fetch before handing out its batches and holds it until all of them are
 * processed, so this bounds what the graph holds of Kafka independently of the backlog
 * (with 1 MiB per partition a large backlog filled every fetch, a small one did not). A
 * batch still holds ~400 of the sample's records, and a local fetch takes about a
 * millisecond; in the e2e bench the smaller fetch was also faster (records wait less
 * behind their batch).
 */
export const GRAPH_FETCH_DEFAULTS = {
  /** Bytes fetched per partition at most: 64 KiB. */
  maxBytesPerPartition: 65_536,
  /** Bytes per fetch at most: 256 KiB. */
  maxBytes: 262_144,
} as const;

/**
 * What the command graph does about a command delivered more than once (a redelivery after
 * a crash, or a producer that sent it twice):
 *
 * - `'compensate'` (default): every delivery is applied; the compensation job later undoes
 *   the extra ones (docs/cqrs.md, "Why the job is right at every crash point").
 * - `'prevent'`: the service branch first claims the command id with a lightweight
 *   transaction (`INSERT ... IF NOT EXISTS` in `dendrites_claims`, QUORUM / SERIAL), and
 *   every delivery of a command writes its effects as the delivery that claimed it: a
 *   duplicate never takes effect, so state is right without waiting for the job. Costs an
 *   LWT and a read per delivery (docs/cqrs.md, "Prevent mode"). The event log still logs
 *   every delivery.
 */
export type DuplicatesMode = 'compensate' | 'prevent';

/** The options of `parallelCommandGraph` and `seriesCommandGraph`: C is the domain's command, S what its `start` returns. */
export interface CommandGraphOptions<C, S = undefined> {
  /** Kafka bootstrap brokers; or give `kafka`, a kafkajs client. */
  readonly brokers?: readonly string[];
  /** A kafkajs client, instead of `brokers`. */
  readonly kafka?: Kafka;
  /** The commands topic (values decoded as the domain's `decode` says). */
  readonly topic: string;
  /** The consumer group. */
  readonly groupId: string;
  /** Where bad input (and, by default, commands Cassandra refuses: `onRecordError`) goes, with the reason in its headers. Default `<topic>-dead-letter` (it must exist). */
  readonly deadLetterTopic?: string;
  /** A cassandra-driver Client (one not connected yet is connected by the graph's first call, retried like the writes). */
  readonly client: CqlClient;
  /** The keyspace of the domain's tables and the library's (`createCqrsTables`). */
  readonly keyspace: string;
  /** Your domain (see CommandDomain). Required. */
  readonly domain: CommandDomain<C, S>;
  /** Writes in flight per branch. Default 128 (`DEFAULT_GRAPH_PARALLELISM`). */
  readonly parallelism?: number;
  /**
   * Retries of the Cassandra writes and of the domain's `start` (see RetryOptions; by
   * default each is retried for up to 5 minutes, so an outage shorter than that, or a
   * graph started while Cassandra is down, is waited out with the source backpressured).
   */
  readonly retry?: RetryOptions;
  /**
   * What a branch write Cassandra refuses for ONE command's values does (an Invalid
   * request such as a null or empty key, a value the driver cannot encode as its column's
   * type; or the domain's `apply` or `events` threw for it): `'dead-letter'` (default)
   * produces the command's Kafka record to the dead-letter topic with the reason, its
   * topic, partition and offset in the headers, acknowledges it so its offset commits,
   * and goes on; `'fail'` fails the run with an error naming the record's topic,
   * partition and offset. A retriable failure is retried (see `retry`); a failure about
   * the statement, the schema or the cluster always fails the run. In the parallel wiring
   * the other branch still writes its part of a command one branch dead-lettered (it is
   * logged, or applied, once); in series a command the service dead-lettered is not
   * logged. A branch function of your own (`service`, `eventLog`) is not covered: what it
   * throws fails the run.
   */
  readonly onRecordError?: OnRecordError;
  /** Size of the time buckets of the Kafka record timestamp, ms; the compensation job must use the same. Default one hour. */
  readonly bucketMs?: number;
  /**
   * Consumer settings passed to kafkaSource (commitEveryN, commitIntervalMs...). Defaults
   * here: fromBeginning true, maxBytesPerPartition 64 KiB, maxBytes 256 KiB (`GRAPH_FETCH_DEFAULTS`).
   */
  readonly consumer?: Omit<KafkaSourceOptions, 'brokers' | 'kafka' | 'groupId' | 'topics'>;
  /**
   * Replaces the service branch (default: the domain's `apply` and the journal row as one
   * logged batch, retried). A branch of your own writes no journal row, so the
   * compensation job does not see its deliveries.
   */
  readonly service?: BranchFunction<C>;
  /** Replaces the event-log branch (default: the domain's events and the journal row as one logged batch). */
  readonly eventLog?: BranchFunction<C>;
  /**
   * `'compensate'` (default): at-least-once, duplicates are undone later by the job.
   * `'prevent'`: a delivery is applied only if its command has not been applied before (an
   * LWT claim per command; see DuplicatesMode and docs/cqrs.md, "Prevent mode"). Prevent
   * needs the default service branch (not `service`) and the `dendrites_claims` table
   * (`createCqrsTables` creates it).
   */
  readonly duplicates?: DuplicatesMode;
  /** Deterministic fault injection (tests, crash drills). Default none. */
  readonly faults?: FaultHooks<CommandDelivery<C>>;
}

export interface CheckedGraphOptions<C, S> extends CommandGraphOptions<C, S> {
  readonly keyspace: string;
  readonly deadLetterTopic: string;
  readonly parallelism: number;
  readonly policy: RetryPolicy;
  readonly bucketMs: number;
  readonly onRecordError: OnRecordError;
  readonly duplicates: DuplicatesMode;
}

export function checkGraphOptions<C, S>(stage: string, o: CommandGraphOptions<C, S>): CheckedGraphOptions<C, S> {
  if (o === null || typeof o !== 'object') throw new ConfigError(`${stage}: options are required`);
  if (typeof o.topic !== 'string' || o.topic === '') throw new ConfigError(`${stage}: topic must be a non-empty string`);
  if (typeof o.groupId !== 'string' || o.groupId === '') throw new ConfigError(`${stage}: groupId must be a non-empty string`);
  if (o.deadLetterTopic !== undefined && (typeof o.deadLetterTopic !== 'string' || o.deadLetterTopic === '')) throw new ConfigError(`${stage}: deadLetterTopic must be a non-empty string`);
  checkDomain(stage, o.domain);
  for (const name of ['service', 'eventLog'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw new ConfigError(`${stage}: ${name} must be a function`);
  }
  const duplicates = duplicatesOption(stage, o.duplicates);
  if (duplicates === 'prevent' && o.service !== undefined) {
    throw new ConfigError(`${stage}: duplicates 'prevent' needs the default service branch (it claims each command before applying it); remove the service option or use duplicates 'compensate'`);
  }
  return {
    ...o,
    duplicates,
    keyspace: cqlIdentifier(`${stage}: keyspace`, o.keyspace),
    deadLetterTopic: o.deadLetterTopic ?? `${o.topic}-dead-letter`,
    parallelism: positiveInteger(stage, 'parallelism', o.parallelism, DEFAULT_GRAPH_PARALLELISM),
    policy: retryPolicy(stage, o.retry),
    bucketMs: positiveInteger(stage, 'bucketMs', o.bucketMs, DEFAULT_BUCKET_MS),
    onRecordError: onRecordErrorOption(stage, o.onRecordError, 'dead-letter'),
  };
}

/** Checks the `duplicates` option: `'compensate'` (default) or `'prevent'`. */
export function duplicatesOption(stage: string, value: unknown): DuplicatesMode {
  if (value === undefined) return 'compensate';
  if (value !== 'compensate' && value !== 'prevent') throw new ConfigError(`${stage}: duplicates must be 'compensate' or 'prevent', got ${JSON.stringify(value) ?? String(value)}`);
  return value;
}

const REQUIRED = ['parse', 'commandId', 'apply'] as const;
const OPTIONAL = ['start', 'events', 'compensate', 'encode', 'decodeStored'] as const;

/** Checks the shape of a domain object (a JavaScript user, or a module loaded by path, gets no compiler). */
export function checkDomain(stage: string, domain: unknown): void {
  if (domain === null || typeof domain !== 'object') throw new ConfigError(`${stage}: domain must be a CommandDomain object (name, decode, parse, commandId, apply), got ${String(domain)}`);
  const d = domain as Record<string, unknown>;
  const name = typeof d.name === 'string' && d.name !== '' ? d.name : undefined;
  if (name === undefined) throw new ConfigError(`${stage}: domain.name must be a non-empty string`);
  for (const m of REQUIRED) if (typeof d[m] !== 'function') throw new ConfigError(`${stage}: domain ${name}: ${m} must be a function`);
  for (const m of OPTIONAL) if (d[m] !== undefined && typeof d[m] !== 'function') throw new ConfigError(`${stage}: domain ${name}: ${m} must be a function when given`);
  const decode = d.decode;
  if (typeof decode !== 'function' && (decode === null || typeof decode !== 'object' || !('avro' in decode))) {
    throw new ConfigError(`${stage}: domain ${name}: decode must be a function (value, record) => unknown or { avro: readerSchema, ... }`);
  }
}
