// Shared by the e2e parent and its children: what a child is told, what it reports,
// the money-transfer statements both hand-written contenders execute, and the latency probe.
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';

export type ContenderName = 'dendrites' | 'prevent' | 'baseline' | 'baseline-defaults' | 'jvm' | 'ceiling';

/** Kafka fetch bounds: what dendrites' command graph uses (GRAPH_FETCH_DEFAULTS in dendrites/cqrs). */
export interface FetchBounds {
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
}

/** What the parent tells a child (argv[2], JSON). */
export interface ChildConfig {
  readonly contender: ContenderName;
  readonly commands: number;
  readonly accounts: number;
  readonly seed: number;
  readonly keyspace: string;
  readonly topic: string;
  readonly groupId: string;
  readonly brokers: readonly string[];
  readonly contactPoints: readonly string[];
  readonly localDc: string;
  /** Baseline: partitionsConsumedConcurrently; jvm: commands in flight. */
  readonly concurrency?: number;
  /** Baseline: writes in flight per batch (two per command). */
  readonly batchConcurrency?: number;
  /** Baseline: the consumer's fetch bounds; absent: kafkajs' defaults (1 MiB per partition, 10 MiB per fetch). */
  readonly fetch?: FetchBounds;
  /** Ceiling: the writes-in-flight levels it sweeps through, in this order, an equal share of the commands each. */
  readonly levels?: readonly number[];
}

/** What a child reports on its last stdout line (JSON). */
export interface ChildResult {
  readonly contender: string;
  readonly commands: number;
  /** From the first record fetched (ceiling: the first write started) to the last write acknowledged. */
  readonly ms: number;
  readonly commandsPerSec: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly latencySamples: number;
  readonly peakRssMb: number;
  /** CPU time of the whole child process (user + system), ms. */
  readonly cpuMs?: number;
  /** CPU time of the client process (user + system, every thread) over the same window as `ms`. */
  readonly windowCpuMs?: number;
  readonly note?: string;
  /** Ceiling: the rate at each level of writes in flight, and the best level (whose rate is `commandsPerSec`). */
  readonly sweep?: readonly { readonly concurrency: number; readonly commandsPerSec: number }[];
  readonly bestConcurrency?: number;
  /** Ceiling: all commands over the whole run, every level together. */
  readonly overallCommandsPerSec?: number;
}

/** CPU time (user + system) of this process since `since`, ms. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
}

export const SAMPLE_EVERY = 16;

/** A command is sampled for latency when the last hex digit of its id (a random UUID) is 0: one in 16. */
export function sampled(commandId: string): boolean {
  return commandId.charCodeAt(commandId.length - 1) === 48; // '0'
}

export function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Sampled end-to-end latencies and the counts of acknowledged writes of one run. */
export class LatencyProbe {
  readonly #samples: Float64Array;
  #n = 0;
  firstAt: number | undefined;
  lastAt = 0;
  /** The process's CPU usage when the last write was acknowledged. */
  lastCpu: NodeJS.CpuUsage | undefined;

  /** Every command written: the end of the measured window. */
  finish(): void {
    this.lastAt = performance.now();
    this.lastCpu = process.cpuUsage();
  }

  /** CPU ms from `firstCpu` (when the first record arrived) to the last write. */
  windowCpuMs(firstCpu: NodeJS.CpuUsage | undefined): number | undefined {
    if (firstCpu === undefined || this.lastCpu === undefined) return undefined;
    return Math.round((this.lastCpu.user - firstCpu.user + this.lastCpu.system - firstCpu.system) / 1000);
  }

  constructor(commands: number) {
    this.#samples = new Float64Array(Math.ceil(commands / SAMPLE_EVERY) * 2 + 64);
  }

  add(ms: number): void {
    if (this.#n < this.#samples.length) this.#samples[this.#n++] = ms;
  }

  summary(): { p50Ms: number | null; p99Ms: number | null; latencySamples: number } {
    const s = this.#samples.slice(0, this.#n).sort();
    const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
    return { p50Ms: round(percentile(s, 50)), p99Ms: round(percentile(s, 99)), latencySamples: this.#n };
  }
}

export function newKafka(config: ChildConfig | { readonly brokers: readonly string[] }, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [...config.brokers], logLevel: logLevel.ERROR });
}

export function newCassandra(config: { readonly contactPoints: readonly string[]; readonly localDc: string }): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [...config.contactPoints],
    localDataCenter: config.localDc,
    socketOptions: { readTimeout: 60_000 },
  });
}

export function peakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10; // maxRSS is in KiB
}

// ---- the two writes of one transfer, as the hand-written contenders bind them ----------
//
// The same rows and columns the parallel command graph writes for the sample (see
// src/samples/money-transfer/domain.ts `apply` and `events`, src/graphs/cqrs/journal.ts and
// src/connectors/cassandra/event-log.ts), written here by hand as a user without dendrites
// would: the service write is one logged batch (debit + credit ledger entries + the
// `applied` journal rows), the event-log write one logged batch (event_log +
// event_log_by_aggregate + the `logged` journal rows).

export interface Transfer {
  readonly id: string;
  readonly timestamp: number;
  readonly from_account: string;
  readonly to_account: string;
  readonly amount: number;
}

export interface Statement {
  readonly query: string;
  readonly params: unknown[];
}

const HOUR = 3_600_000;
const LOG_COLUMNS = 'bucket, event_id, delivery_id, aggregate_id, parent, action, data, event_time, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp';
const LOG_MARKERS = LOG_COLUMNS.split(',').map(() => '?').join(', ');

export interface TransferCql {
  readonly service: string;
  readonly log: string;
}

export function transferCql(keyspace: string): TransferCql {
  const journal =
    `INSERT INTO ${keyspace}.dendrites_journal (command_id, kind, delivery_id, bucket, command, kafka_topic, kafka_partition, kafka_offset, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?); ` +
    `INSERT INTO ${keyspace}.dendrites_journal_by_bucket (bucket, command_id, kind, delivery_id) VALUES (?, ?, ?, ?)`;
  return {
    service:
      `BEGIN BATCH INSERT INTO ${keyspace}.ledger_entries (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?); ` +
      `INSERT INTO ${keyspace}.ledger_entries (account, entry_id, command_id, amount) VALUES (?, ?, ?, ?); ${journal}; APPLY BATCH`,
    log:
      `BEGIN BATCH INSERT INTO ${keyspace}.event_log (${LOG_COLUMNS}) VALUES (${LOG_MARKERS}); ` +
      `INSERT INTO ${keyspace}.event_log_by_aggregate (${LOG_COLUMNS}) VALUES (${LOG_MARKERS}); ${journal}; APPLY BATCH`,
  };
}

export interface Coordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly kafkaTimestamp: number;
}

/** The service write and the event-log write of one delivery of a transfer. */
export function transferStatements(cql: TransferCql, t: Transfer, at: Coordinates): [Statement, Statement] {
  const deliveryId = cassandra.types.TimeUuid.now().toString();
  const bucket = new Date(Math.floor(at.kafkaTimestamp / HOUR) * HOUR);
  const offset = cassandra.types.Long.fromString(at.offset);
  const command = JSON.stringify({ id: t.id, action: 'transfer-money', timestamp: t.timestamp, from_account: t.from_account, to_account: t.to_account, amount: t.amount });
  const journal = (kind: 'applied' | 'logged', stored: string | null): unknown[] => [
    t.id, kind, deliveryId, bucket, stored, at.topic, at.partition, offset, new Date(),
    bucket, t.id, kind, deliveryId,
  ];
  const service: Statement = {
    query: cql.service,
    params: [
      t.from_account, `${t.id}:${deliveryId}:debit`, t.id, cassandra.types.Long.fromNumber(-t.amount),
      t.to_account, `${t.id}:${deliveryId}:credit`, t.id, cassandra.types.Long.fromNumber(t.amount),
      ...journal('applied', command),
    ],
  };
  const logParams = [
    bucket, t.id, deliveryId, t.from_account, t.id, 'money-transferred',
    JSON.stringify({ from_account: t.from_account, to_account: t.to_account, amount: t.amount }),
    new Date(t.timestamp), at.topic, at.partition, offset, new Date(at.kafkaTimestamp),
  ];
  return [service, { query: cql.log, params: [...logParams, ...logParams, ...journal('logged', null)] }];
}

export function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

export function positive(args: readonly string[], name: string, fallback: number): number {
  const raw = option(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}
