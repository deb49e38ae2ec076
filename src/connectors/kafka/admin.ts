/**
 * What every user of a Kafka graph needs around it: topics to create and delete, a batch to
 * produce, a consumer group's lag, and a wait until a group has committed a topic. One kafkajs
 * admin (and producer, on first use) per `KafkaAdmin`; `close()` ends both and is safe twice.
 */
import { type Admin, type Kafka, type Producer, Partitioners } from 'kafkajs';
import pRetry from 'p-retry';
import { ConfigError, KafkaError, messageOf } from '../../errors.js';
import { positiveInteger } from '../../core/options.js';
import { sleep } from '../../core/time.js';
import { type KafkaClientOptions, kafkaClient } from './client.js';

/** A message to produce: key (records of one key share a partition), value, optional headers. */
export interface ProduceMessage {
  /** The record key; records of one key share a partition. */
  readonly key?: string | Buffer | null;
  /** The record value; `null` is a tombstone. */
  readonly value: string | Buffer | null;
  /** Record headers. */
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /** The record's timestamp in ms since the epoch; default: when it is sent. */
  readonly timestamp?: number;
}

/** Options of `KafkaAdmin.createTopics`. */
export interface CreateTopicsOptions {
  /** Partitions of each new topic. Default 1. */
  readonly partitions?: number;
  /**
   * Replicas of each partition. Default: the brokers' `default.replication.factor` (1 on a single
   * broker, 3 on the launcher's 3-broker cluster). On a cluster, 3 with `min.insync.replicas` 2
   * keeps every acknowledged record through one broker down.
   */
  readonly replicationFactor?: number;
  /**
   * Topic configs, e.g. `{ 'min.insync.replicas': '2' }` (default: the brokers' own, 2 on the
   * launcher's cluster): how many replicas must hold a record before an `acks: -1` send succeeds.
   */
  readonly configs?: Readonly<Record<string, string>>;
}

/** One partition of a topic against one consumer group. */
export interface PartitionLag {
  /** The partition. */
  readonly partition: number;
  /** The low watermark: the first offset still in the log. */
  readonly low: number;
  /** The high watermark: the offset the next record will get. */
  readonly high: number;
  /** The group's committed offset (the next record it will read), or `undefined` if it committed none. */
  readonly committed: number | undefined;
  /** Records in the log the group has not committed past: `high − max(committed, low)`. */
  readonly lag: number;
}

/** A group's progress through a topic. */
export interface TopicLag {
  /** The topic. */
  readonly topic: string;
  /** The consumer group. */
  readonly groupId: string;
  /** Each partition's progress. */
  readonly partitions: readonly PartitionLag[];
  /** Records in the log (from the low watermarks) over all partitions. */
  readonly total: number;
  /** Records the group has committed past, over all partitions. */
  readonly committed: number;
  /** `total − committed`. */
  readonly lag: number;
}

/** Options of `KafkaAdmin.untilCommitted`. */
export interface UntilCommittedOptions {
  /** Give up after this long (a `KafkaError` says how far the group got). Default 60000. */
  readonly timeoutMs?: number;
  /** Resolve once this many records are committed, instead of all the topic holds at each check. */
  readonly atLeast?: number;
  /** Stops waiting (rejects with the signal's reason). Pass a run's `done` as `failed` to stop when it fails. */
  readonly signal?: AbortSignal;
  /** Rejects as soon as this promise rejects: e.g. the `done` of the graph you are waiting for. */
  readonly failed?: Promise<unknown>;
  /** How often to look. Default 200. */
  readonly pollIntervalMs?: number;
}

/** Creates a Kafka admin for `options` (the same client options as the Kafka stages). */
export function kafkaAdmin(options: KafkaClientOptions): KafkaAdmin {
  const kafka = kafkaClient('kafkaAdmin', options);
  return new KafkaAdmin(kafka, options.brokers?.join(',') ?? 'the brokers of your kafka client');
}

/** Topics, batches and consumer-group progress. Created by `kafkaAdmin(options)`. */
export class KafkaAdmin {
  #admin: Promise<Admin> | undefined;
  #producer: Promise<Producer> | undefined;
  #closed = false;

  /** @internal use `kafkaAdmin(options)` */
  constructor(
    /** The kafkajs client it uses. */
    readonly kafka: Kafka,
    /** The brokers, as errors name them. */
    readonly brokers: string,
  ) {}

  /**
   * Creates the topics that do not exist yet and waits for their leaders; returns the names it
   * created. An error kafkajs calls retriable (a broker that has just restarted answers "does not
   * host this topic-partition" for a moment) is tried again, up to 5 times in about 15 s.
   */
  async createTopics(topics: readonly string[], options: CreateTopicsOptions = {}): Promise<string[]> {
    const numPartitions = positiveInteger('kafkaAdmin', 'partitions', options.partitions, 1);
    // -1 asks the brokers for their default.replication.factor.
    const replicationFactor = positiveInteger('kafkaAdmin', 'replicationFactor', options.replicationFactor, -1);
    const configEntries = Object.entries(options.configs ?? {}).map(([name, value]) => ({ name, value }));
    const wanted = [...new Set(topics)];
    const created = new Set<string>(); // asked for by an attempt: a failed attempt may have created them
    const attempt = (admin: Admin) => async (): Promise<void> => {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      for (const t of missing) created.add(t);
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor, configEntries })) });
    };
    return this.#call(`cannot create topics ${topics.join(', ')}`, async (admin) => {
      await pRetry(attempt(admin), { retries: 5, minTimeout: 500, maxTimeout: 5_000, shouldRetry: (error) => kafkaRetriable(error) });
      return wanted.filter((t) => created.has(t));
    });
  }

  /** Deletes the topics that exist; returns the names it deleted. */
  async deleteTopics(topics: readonly string[]): Promise<string[]> {
    return this.#call(`cannot delete topics ${topics.join(', ')}`, async (admin) => {
      const existing = new Set(await admin.listTopics());
      const present = [...new Set(topics)].filter((t) => existing.has(t));
      if (present.length > 0) await admin.deleteTopics({ topics: present });
      return present;
    });
  }

  /** Records a topic holds now: the sum over partitions of high − low watermark. */
  async topicSize(topic: string): Promise<number> {
    return this.#call(`cannot read the offsets of ${topic}`, async (admin) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + (Number(p.high) - Number(p.low)), 0);
    });
  }

  /**
   * Produces `messages` to `topic` in order, acknowledged by all in-sync replicas (an idempotent
   * producer); resolves with how many. Sends requests of at most 1000 messages or about 512 KiB.
   */
  async produce(topic: string, messages: readonly ProduceMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    const producer = await this.#producerConnected();
    let start = 0;
    while (start < messages.length) {
      let end = start;
      let bytes = 0;
      while (end < messages.length && end - start < 1000 && bytes < 512 * 1024) bytes += sizeOf(messages[end++]);
      const batch = messages.slice(start, end).map((m) => ({ key: m.key ?? null, value: m.value, headers: m.headers === undefined ? undefined : { ...m.headers }, timestamp: m.timestamp === undefined ? undefined : String(m.timestamp) }));
      try {
        await producer.send({ topic, acks: -1, messages: batch });
      } catch (error) {
        throw unreachable(`cannot produce to ${topic}`, error, this.brokers, topic);
      }
      start = end;
    }
    return messages.length;
  }

  /** The group's committed position in each partition of `topic`, against the topic's watermarks. */
  async lag(groupId: string, topic: string): Promise<TopicLag> {
    return this.#call(`cannot read the lag of group ${groupId} on ${topic}`, async (admin) => {
      const ends = await admin.fetchTopicOffsets(topic);
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const at = new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      const partitions = ends
        .map((p): PartitionLag => {
          const low = Number(p.low);
          const high = Number(p.high);
          const c = at.get(p.partition);
          const committed = c === undefined || c < 0 ? undefined : c;
          return { partition: p.partition, low, high, committed, lag: high - Math.max(committed ?? low, low) };
        })
        .sort((a, b) => a.partition - b.partition);
      const total = partitions.reduce((s, p) => s + (p.high - p.low), 0);
      const lag = partitions.reduce((s, p) => s + p.lag, 0);
      return { topic, groupId, partitions, total, committed: total - lag, lag };
    });
  }

  /**
   * Resolves once `groupId` has committed every record of `topic` (at least one), or `atLeast`
   * records; rejects with a `KafkaError` after `timeoutMs`, when `signal` aborts, or when `failed` rejects.
   */
  async untilCommitted(groupId: string, topic: string, options: UntilCommittedOptions = {}): Promise<TopicLag> {
    const timeoutMs = positiveInteger('kafkaAdmin', 'timeoutMs', options.timeoutMs, 60_000);
    const pollIntervalMs = positiveInteger('kafkaAdmin', 'pollIntervalMs', options.pollIntervalMs, 200);
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let failure: { error: unknown } | undefined;
    options.failed?.catch((error: unknown) => {
      failure = { error };
      stop.abort(error);
    });
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (failure !== undefined) throw failure.error;
        if (stop.signal.aborted) throw stop.signal.reason;
        const lag = await this.lag(groupId, topic);
        const target = options.atLeast ?? lag.total;
        if (target > 0 && lag.committed >= target) return lag;
        if (Date.now() > deadline) {
          throw new KafkaError(`group ${groupId} committed ${lag.committed} of ${target} records of ${topic} within ${timeoutMs} ms`, { retriable: true, topic });
        }
        await sleep(pollIntervalMs, stop.signal);
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Disconnects the admin and the producer. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const admin = this.#admin;
    const producer = this.#producer;
    await Promise.allSettled([admin?.then((a) => a.disconnect()), producer?.then((p) => p.disconnect())]);
  }

  async #call<T>(what: string, f: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = await this.#adminConnected();
    try {
      return await f(admin);
    } catch (error) {
      throw unreachable(what, error, this.brokers);
    }
  }

  #adminConnected(): Promise<Admin> {
    if (this.#closed) return Promise.reject(new ConfigError('kafkaAdmin: used after close()'));
    this.#admin ??= connect(this.brokers, this.kafka.admin());
    return this.#admin;
  }

  #producerConnected(): Promise<Producer> {
    if (this.#closed) return Promise.reject(new ConfigError('kafkaAdmin: used after close()'));
    this.#producer ??= connect(this.brokers, this.kafka.producer({ idempotent: true, maxInFlightRequests: 5, createPartitioner: Partitioners.DefaultPartitioner }));
    return this.#producer;
  }
}

async function connect<T extends { connect(): Promise<void> }>(brokers: string, client: T): Promise<T> {
  try {
    await client.connect();
    return client;
  } catch (error) {
    throw unreachable(`cannot connect to Kafka at ${brokers}`, error, brokers);
  }
}

/**
 * Whether kafkajs marks an error retriable. Only the error itself: one that wraps a retriable
 * cause (KafkaJSNumberOfRetriesExceeded) says kafkajs has retried already, e.g. a broker that
 * refuses connections, which should fail now with its hint, not minutes later.
 */
function kafkaRetriable(error: unknown): boolean {
  return error instanceof Error && (error as { retriable?: unknown }).retriable === true;
}

/** One line a person can act on: what failed, kafkajs' reason, and where Kafka was looked for. */
function unreachable(what: string, error: unknown, brokers: string, topic?: string): KafkaError {
  if (error instanceof KafkaError) return error;
  const reason = messageOf(error);
  const hint = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|timeout|connect/i.test(reason) ? ` (is Kafka running at ${brokers}? \`npm run services -- up\` starts one)` : '';
  return new KafkaError(`${what}: ${reason}${hint}`, { retriable: true, cause: error, topic });
}

function sizeOf(m: ProduceMessage): number {
  return (m.value?.length ?? 0) + (m.key?.length ?? 0) + 64;
}
