/**
 * Reconcile: what Kafka holds against what the journal says was applied. For a time range
 * of the command topic (Kafka record time) it reads every record the consumer group has
 * already committed, decodes and parses it as the command graph does, and looks the
 * command up in the journal. A command whose record is committed but that no delivery
 * ever applied is LOST: Kafka will not deliver it again and the compensation job cannot
 * see it. A command applied but never logged is reported too. With `repair`, each lost
 * command is applied (and logged) through the same statements the graph writes, with a
 * new delivery id, and each unlogged one is logged: a second run finds nothing to repair.
 * For a graph in prevent mode (`duplicates: 'prevent'`), a repair claims the command first,
 * as the graph does, so a later delivery of it takes no effect.
 *
 * Records past the group's committed offsets are not looked at: the graph has not
 * finished them yet, so they are pending, not lost. Records that do not decode or parse
 * are counted as bad input (the graph dead-letters them).
 *
 * @example examples/own-domain.ts
 */
import type { Kafka } from 'kafkajs';
import { BadInputError, ConfigError } from '../errors.js';
import type { CqlBatchEntry, CqlClient } from '../connectors/cassandra/client.js';
import { DEFAULT_BUCKET_MS, newDeliveryId } from '../connectors/cassandra/event-log.js';
import { cqlIdentifier } from '../connectors/cassandra/schema.js';
import { positiveInteger } from '../core/options.js';
import { retryPolicy } from '../connectors/cassandra/retry.js';
import { avroDecoder } from '../connectors/avro/codec.js';
import type { KafkaRecord } from '../core/records.js';
import type { CommandDelivery, CommandDomain } from './cqrs/domain.js';
import { type DuplicatesMode, checkDomain, duplicatesOption } from './cqrs/options.js';
import { Claims } from './cqrs/prevent.js';
import { timeRange } from './cqrs/job-options.js';
import { JOURNAL_TABLE } from './cqrs/tables.js';
import { type PartitionRange, readRanges } from './cqrs/topic-range.js';
import { appliedWrites, loggedWrites } from './cqrs/writes.js';

/** The options of `reconcile`: the graph's topic, group, keyspace and domain, and the time range to check. */
export interface ReconcileOptions<C, S> {
  /** A kafkajs client. */
  readonly kafka: Kafka;
  /** The commands topic the graph consumes. */
  readonly topic: string;
  /** The graph's consumer group: only records it has committed are checked. */
  readonly groupId: string;
  /** A connected cassandra-driver Client. */
  readonly client: CqlClient;
  /** The graph's keyspace. */
  readonly keyspace: string;
  /** The graph's domain. */
  readonly domain: CommandDomain<C, S>;
  /** Records from this Kafka record time on. */
  readonly since: Date | number | string;
  /** Records up to this Kafka record time. */
  readonly until: Date | number | string;
  /** Apply each lost command and log each unlogged one. Default false (report only). */
  readonly repair?: boolean;
  /**
   * The graph's `duplicates` mode. Default `'compensate'`. With `'prevent'`, a repair claims
   * the lost command (the graph's lightweight transaction on `dendrites_claims`) before it
   * applies it, and applies it as the claim's owner: a delivery of the command that comes
   * later writes nothing.
   */
  readonly duplicates?: DuplicatesMode;
  /** The graph's bucket size, ms. Default 3,600,000. */
  readonly bucketMs?: number;
  /** Journal look-ups in flight. Default 32. */
  readonly parallelism?: number;
  /** Called for each command found lost or unlogged. */
  readonly onCommand?: (report: ReconcileReport) => void;
}

/** One command Kafka holds that the journal lacks (or lacks the log of). */
export interface ReconcileReport {
  /** The command's id. */
  readonly commandId: string;
  /** The topic of its record. */
  readonly topic: string;
  /** The record's partition. */
  readonly partition: number;
  /** The record's offset, a decimal string. */
  readonly offset: string;
  /** `lost`: never applied; `not-logged`: applied, never logged. */
  readonly kind: 'lost' | 'not-logged';
  /** Whether this run repaired it. */
  readonly repaired: boolean;
}

/** What one run of `reconcile` found and repaired. */
export interface ReconcileSummary {
  /** Per partition, the committed offsets read: [from, to). */
  readonly ranges: readonly PartitionRange[];
  /** Records read in the time range. */
  readonly records: number;
  /** Records that do not decode or parse (the graph dead-letters them). */
  readonly badInput: number;
  /** Committed records whose command no delivery applied. */
  readonly lost: number;
  /** Commands applied but never logged. */
  readonly notLogged: number;
  /** Lost commands applied, and unlogged ones logged, by this run. */
  readonly repaired: number;
  /** How long the run took, ms. */
  readonly elapsedMs: number;
}

/** The domain's decoding as a function of a record's value (what the graph's decode stage does). */
function decoderOf<C, S>(domain: CommandDomain<C, S>): (value: Buffer, record: KafkaRecord) => unknown {
  const d = domain.decode;
  if (typeof d === 'function') return d;
  const decoder = avroDecoder('reconcile', d.avro, d);
  return (value) => decoder.decode(value);
}

/**
 * Runs reconcile once: reads the records of the time range the group has committed, and names
 * each command the journal says was never applied (lost) or never logged; with `repair`, applies
 * or logs it through the graph's own statements. Records past the committed offsets are pending,
 * not lost. Bad options throw a ConfigError before anything is read.
 */
export async function reconcile<C, S>(options: ReconcileOptions<C, S>): Promise<ReconcileSummary> {
  const started = Date.now();
  checkDomain('reconcile', options.domain);
  const { kafka, topic, groupId, client, domain } = options;
  const keyspace = cqlIdentifier('reconcile: keyspace', options.keyspace);
  for (const [name, v] of [['topic', topic], ['groupId', groupId]] as const) if (typeof v !== 'string' || v === '') throw new ConfigError(`reconcile: ${name} must be a non-empty string`);
  const range = timeRange('reconcile', options.since, options.until);
  const [since, until] = [range.since.getTime(), range.until.getTime()];
  const bucketMs = positiveInteger('reconcile', 'bucketMs', options.bucketMs, DEFAULT_BUCKET_MS);
  const parallelism = positiveInteger('reconcile', 'parallelism', options.parallelism, 32);
  const claims = duplicatesOption('reconcile', options.duplicates) === 'prevent' ? new Claims(client, keyspace, retryPolicy('reconcile')) : undefined;
  const signal = new AbortController().signal; // a repair is not cancelled: each one finishes or fails the run
  const decode = decoderOf(domain);
  const context = { client, keyspace };

  const ranges = await committedRanges(kafka, topic, groupId, since);
  const state = await (domain.start === undefined ? (undefined as S) : domain.start(context));
  const counts = { records: 0, badInput: 0, lost: 0, notLogged: 0, repaired: 0 };

  /** What repairs a lost command: its effects; in prevent mode, those of its claim's owner, or none if the owner's are in by now. */
  const lostWrites = async (d: CommandDelivery<C>): Promise<CqlBatchEntry[]> => {
    if (claims === undefined) return appliedWrites(domain, context, bucketMs, d);
    const step = await claims.step(d, signal);
    return step.kind === 'apply' ? appliedWrites(domain, context, bucketMs, step.as) : [];
  };
  const repairedIds = new Set<string>(); // a command produced twice in the range is repaired once
  const check = async (record: KafkaRecord, d: CommandDelivery<C>): Promise<void> => {
    if (repairedIds.has(d.commandId)) return;
    const rows = await client.execute(`SELECT kind FROM ${keyspace}.${JOURNAL_TABLE} WHERE command_id = ?`, [d.commandId], { prepare: true });
    const kinds = rows.rows.map((r) => r.get('kind'));
    const kind = !kinds.includes('applied') ? 'lost' : !kinds.includes('logged') ? 'not-logged' : undefined;
    if (kind === undefined) return;
    counts[kind === 'lost' ? 'lost' : 'notLogged']++;
    const repair = options.repair === true;
    if (repair) {
      // The statements the graph writes: the service's (if never applied) and the log's (if never logged).
      const writes: CqlBatchEntry[] = [];
      if (kind === 'lost') writes.push(...(await lostWrites(d)));
      if (!kinds.includes('logged')) writes.push(...loggedWrites(domain, keyspace, bucketMs, d));
      await client.batch(writes, { prepare: true, logged: true, isIdempotent: true });
      repairedIds.add(d.commandId);
      counts.repaired++;
    }
    options.onCommand?.({ commandId: d.commandId, topic: record.topic, partition: record.partition, offset: record.offset, kind, repaired: repair });
  };

  await readRanges(kafka, topic, ranges, async (records) => {
    const lookups: Promise<void>[] = [];
    const checking = new Set<string>(); // command ids of `lookups`
    const flush = async (): Promise<void> => {
      await Promise.all(lookups.splice(0));
      checking.clear();
    };
    for (const record of records) {
      const ts = Number(record.timestamp);
      if (ts < since || ts > until) continue;
      counts.records++;
      let delivery: CommandDelivery<C>;
      try {
        if (record.value === null) throw new BadInputError('the record has no value');
        const command = domain.parse(decode(record.value, record), state, record);
        const commandId = domain.commandId(command);
        if (typeof commandId !== 'string' || commandId === '') throw new BadInputError('the command has no id');
        delivery = { command, commandId, delivery: { id: newDeliveryId(), kafkaTimestamp: ts, topic: record.topic, partition: record.partition, offset: record.offset } };
      } catch {
        counts.badInput++;
        continue;
      }
      if (checking.has(delivery.commandId)) await flush(); // the same command twice: one look-up after the other
      checking.add(delivery.commandId);
      lookups.push(check(record, delivery));
      if (lookups.length >= parallelism) await flush();
    }
    await flush();
  });
  return { ranges, ...counts, elapsedMs: Date.now() - started };
}

/** Per partition: from the first offset at or after `since` to the group's committed offset. */
async function committedRanges(kafka: Kafka, topic: string, groupId: string, since: number): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, since);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return starts.map((s) => ({ partition: s.partition, from: Number(s.offset), to: Math.max(Number(s.offset), at.get(s.partition) ?? -1) }));
  } finally {
    await admin.disconnect();
  }
}
