import { defineSource, type Source } from '../core/dsl.js';
import { ConfigError } from '../errors.js';
import { type KafkaClientOptions, kafkaClient, nonEmptyString } from '../connectors/kafka/client.js';
import { ConsumerLoop } from '../connectors/kafka/consumer-loop.js';
import type { ConsumerRecords } from '../core/records.js';
import { nonNegative, positiveInteger } from '../core/options.js';

export interface KafkaSourceOptions extends KafkaClientOptions {
  /** The consumer group. */
  readonly groupId: string;
  /** Topics to subscribe to. */
  readonly topics: readonly string[];
  /** Where a partition without a committed offset starts: its beginning (true) or its end. Default false. */
  readonly fromBeginning?: boolean;
  /**
   * Group session timeout, ms. Default 10,000. After a crash (SIGKILL, OOM kill), the group
   * waits this long for the dead member before its partitions are read again (measured: 5.8 s
   * with 6,000, 10 s with 10,000, 30 s with 30,000; bench/crash/README.md). Shorter resumes
   * sooner; but a member whose event loop is blocked longer than this is evicted and its
   * partitions are read again. The brokers accept 6,000 to 1,800,000 by default.
   */
  readonly sessionTimeoutMs?: number;
  /** How often the consumer heartbeats, also while the graph backpressures, ms. Default 3,000; below sessionTimeoutMs. */
  readonly heartbeatIntervalMs?: number;
  /** How long the group waits for members to rejoin in a rebalance, ms. Default 60,000. */
  readonly rebalanceTimeoutMs?: number;
  /**
   * When a rebalance begins (a member joins or leaves the group: a scale-out, a scale-in, a
   * restart), how long at most the source waits, before giving its partitions up, for the
   * records it emitted to be acknowledged, and commits them, ms. Meanwhile it emits nothing
   * and keeps heartbeating, and the other members wait for it to rejoin. Then the partitions'
   * next owners start right after what was processed, so a planned scale-out or scale-in
   * delivers nothing twice. Default: half of `rebalanceTimeoutMs` (30,000); below it. 0 gives
   * the partitions up at once (what is in flight is then read again by their next owner).
   */
  readonly drainOnRebalanceMs?: number;
  /** Commit once this many records were acknowledged since the last commit. Default 1,000. */
  readonly commitEveryN?: number;
  /**
   * ...and at least this often while acknowledgements come in, ms. Default 200. A crash
   * delivers again what was processed since the last commit: measured with the money-transfer
   * graph, about 140 extra deliveries per SIGKILL at 200 ms against 325 at 1,000 ms, for 3 to 4
   * commits a second; 100 ms did not reduce them further (bench/crash/README.md, docs/kafka.md).
   */
  readonly commitIntervalMs?: number;
  /** Bound on the final commit and on the disconnect at the end of a run, each, ms. Default 10,000. */
  readonly closeTimeoutMs?: number;
  /** Most bytes fetched per partition per request (bounds the memory of one batch). Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
  /**
   * Most bytes of one fetch request over all its partitions (kafkajs `maxBytes`; the broker
   * may return one record batch beyond it so a consumer always makes progress). With
   * `maxBytesPerPartition` it bounds what one fetch holds: min(maxBytes, partitions ×
   * maxBytesPerPartition). Default 10 MiB (kafkajs'); at least `maxBytesPerPartition`.
   */
  readonly maxBytes?: number;
  /** Longest a fetch waits for data on the broker, ms. Default 1,000. */
  readonly maxWaitMs?: number;
  /**
   * Most records emitted downstream whose acknowledgement has not come yet, over all
   * partitions. When that many are out the source emits nothing more (its pull waits: this
   * is backpressure, not an error) until acknowledgements come back; a batch larger than the
   * room left is emitted in parts. It bounds what a graph holds when acknowledgements stop
   * although elements still flow (a branch stuck on something, a sink that holds its acks):
   * without it, every element such a branch takes in stays in memory and, on the broker, the
   * consumer group's committed offset stands still while the graph reads on.
   *
   * Default: 4 × ⌈maxBytes / 64⌉, and at least 10,000 (655,360 with the default 10 MiB
   * `maxBytes`; 16,384 with the command graphs' 256 KiB). Why: one fetch holds at most
   * `maxBytes` of record batches (plus one batch beyond), and a record with a key and a value
   * takes some 64 bytes or more in a batch, so ⌈maxBytes / 64⌉ is about the most records one
   * fetch returns. In normal operation the records out are the batch being handed out, the
   * one offered next, and what the downstream stages buffer (a few times `inputBuffer` each):
   * four fetches' worth (and the 10,000 floor for small fetches) stays above that, so the
   * bound never holds a healthy graph back, while what it bounds costs about the memory of
   * four fetches. Raise it for tiny compressed records (many per byte), or for a downstream
   * stage that must gather more records than this before it acknowledges any (such a stage
   * would wait for ever at the bound). Lower it to bound a stuck branch tighter.
   */
  readonly maxUnacknowledged?: number;
  /**
   * How long the source rides out trouble that may pass (brokers down or restarting, no
   * group coordinator, lost connections, failing commits) before the run fails, ms: it
   * keeps reconnecting and rejoining the group meanwhile. Default 300,000 (5 minutes).
   */
  readonly giveUpAfterMs?: number;
}

/**
 * Consumes Kafka topics in a consumer group (kafkajs, autoCommit off) and emits one
 * `ConsumerRecords` per pull: the records of one fetched batch of one partition, with
 * `acks[i]` acknowledging `records[i]`. Follow it with `consumerRecordsDequeue()`.
 *
 * The commit rule: per partition, an offset is committed only when that record and every
 * record before it were acknowledged; commits are batched (every `commitEveryN` acks or
 * `commitIntervalMs`), never per record. While the graph backpressures, the waiting batch
 * is held and the consumer keeps heartbeating, so it stays in its group however slow the
 * downstream is; at most one batch waits (memory stays bounded by kafkajs' one fetch:
 * `maxBytes`, and `maxBytesPerPartition` per partition).
 *
 * Rebalances (kafkajs uses the eager protocol: at each one every member gives up all its
 * partitions): when a heartbeat says a rebalance has begun, the source stops emitting,
 * waits (heartbeating, at most `drainOnRebalanceMs`) until every record it emitted is
 * acknowledged, commits them and only then lets kafkajs rejoin, so the partitions' next
 * owners start right after what was processed. After the join, a partition given up is
 * forgotten (records of its batches not yet processed stop being emitted: `live()` turns
 * false and the dequeue drops them; late acknowledgements are ignored; its next owner
 * reads them again), and a partition kept stays tracked: its records still in flight are
 * committed when acknowledged and not emitted twice. One case is not drained: kafkajs
 * itself may learn of the rebalance from the heartbeat it sends after an empty fetch (the
 * topic caught up, no batch in hand); then what was processed is committed at once and
 * what is in flight of the partitions that move is read again by their next owner. The
 * counters `drains`, `drainTimeouts`, `rebalances` and `inFlightAgain` (records fetched
 * again and passed over as already in flight) show what happened.
 *
 * Broker restarts and outages: when connecting, joining the group, fetching or committing
 * fails for a reason that may pass (a broker down or restarting, no group coordinator, a
 * lost connection), the source waits instead of failing. A consumer that failed so is
 * dropped (what it emitted and was not committed is read again: at least once, never a
 * record skipped) and a new one connects and rejoins the group after a backoff (500 ms
 * doubling up to 5 s), resuming from the committed offsets; a failed commit is sent again
 * at the next commit with the latest committable offsets. A graph started while the
 * brokers are down waits for them the same way. Its metrics show it: the `waiting` counter
 * is 1 while it waits (0 otherwise), `reconnects` counts the new consumers and
 * `commitsFailed` the commits to be sent again.
 *
 * Unacknowledged records: at most `maxUnacknowledged` emitted records wait for their
 * acknowledgement; at the bound the source stops emitting until acknowledgements come back
 * (the waiting batch is held, heartbeats go on). Gauges, refreshed on each pull and every
 * second (every `commitIntervalMs` when shorter): `unacknowledged`, the records emitted and
 * not yet acknowledged, and `oldestUnacknowledgedMs`, how long the oldest of them has waited
 * (0 when none does): one that keeps growing is a record stuck somewhere downstream.
 * `splitBatches` counts the batches emitted in parts for lack of room. Records of a
 * partition given up in a rebalance stop counting (they are read again by its next owner).
 *
 * - Emits when: downstream pulls, kafkajs has fetched a batch, and fewer than
 *   `maxUnacknowledged` emitted records wait for their acknowledgement.
 * - Backpressures when: downstream does not pull (the batch waits, heartbeats go on),
 *   while `maxUnacknowledged` emitted records wait for their acknowledgement, and while it
 *   waits for the brokers or the group coordinator to come back.
 * - Completes when: the run is stopped (`stop()`), at any moment (connecting, joining,
 *   rebalancing, fetching, waiting for the brokers): fetching stops, the waiting batch is
 *   dropped (not emitted, so not committed), and once every sink is done the acknowledged
 *   offsets are committed and the consumer leaves the group and disconnects. A join in
 *   progress is waited for (kafkajs cannot abort one) so that no consumer outlives the run.
 * - Fails when: the consumer cannot connect, subscribe, join or commit for a reason that
 *   will not pass (bad configuration, authentication, authorization), or the trouble
 *   lasted `giveUpAfterMs`: a KafkaError naming the topics and what it waited for.
 * - Cancels when: never upstream (a source). On abort or failure, only what was
 *   acknowledged is committed, so every unprocessed record is delivered again.
 *
 * @example examples/kafka-pipeline.ts
 */
export function kafkaSource(options: KafkaSourceOptions): Source<ConsumerRecords> {
  const stage = 'kafkaSource';
  const kafka = kafkaClient(stage, options);
  const groupId = nonEmptyString(stage, 'groupId', options.groupId);
  if (!Array.isArray(options.topics) || options.topics.length === 0) throw new ConfigError(`${stage}: topics must be a non-empty list`, { stage });
  const topics = options.topics.map((t) => nonEmptyString(stage, 'topics[]', t));
  const sessionTimeout = positiveInteger(stage, 'sessionTimeoutMs', options.sessionTimeoutMs, 10_000);
  const heartbeatInterval = positiveInteger(stage, 'heartbeatIntervalMs', options.heartbeatIntervalMs, 3_000);
  if (heartbeatInterval >= sessionTimeout) throw new ConfigError(`${stage}: heartbeatIntervalMs (${heartbeatInterval}) must be below sessionTimeoutMs (${sessionTimeout})`, { stage });
  const config = {
    kafka,
    groupId,
    topics,
    fromBeginning: options.fromBeginning ?? false,
    sessionTimeout,
    heartbeatInterval,
    rebalanceTimeout: positiveInteger(stage, 'rebalanceTimeoutMs', options.rebalanceTimeoutMs, 60_000),
    commitEveryN: positiveInteger(stage, 'commitEveryN', options.commitEveryN, 1_000),
    commitIntervalMs: positiveInteger(stage, 'commitIntervalMs', options.commitIntervalMs, 200),
    closeTimeoutMs: positiveInteger(stage, 'closeTimeoutMs', options.closeTimeoutMs, 10_000),
    maxBytesPerPartition: positiveInteger(stage, 'maxBytesPerPartition', options.maxBytesPerPartition, 1_048_576),
    maxBytes: positiveInteger(stage, 'maxBytes', options.maxBytes, 10_485_760),
    maxWaitTimeInMs: nonNegative(stage, 'maxWaitMs', options.maxWaitMs, 1_000),
    giveUpAfterMs: positiveInteger(stage, 'giveUpAfterMs', options.giveUpAfterMs, 300_000),
  };
  const drainOnRebalanceMs = nonNegative(stage, 'drainOnRebalanceMs', options.drainOnRebalanceMs, Math.floor(config.rebalanceTimeout / 2));
  if (drainOnRebalanceMs >= config.rebalanceTimeout) {
    throw new ConfigError(`${stage}: drainOnRebalanceMs (${drainOnRebalanceMs}) must be below rebalanceTimeoutMs (${config.rebalanceTimeout}): the group waits at most that long for this member to rejoin`, { stage });
  }
  if (config.maxBytes < config.maxBytesPerPartition) {
    throw new ConfigError(`${stage}: maxBytes (${config.maxBytes}) must be at least maxBytesPerPartition (${config.maxBytesPerPartition})`, { stage });
  }
  if (typeof config.fromBeginning !== 'boolean') throw new ConfigError(`${stage}: fromBeginning must be a boolean`, { stage });
  const loopConfig = { ...config, drainOnRebalanceMs, maxUnacknowledged: positiveInteger(stage, 'maxUnacknowledged', options.maxUnacknowledged, defaultMaxUnacknowledged(config.maxBytes)) };
  return defineSource<ConsumerRecords>(stage, (ctx) => {
    const loop = new ConsumerLoop(loopConfig, ctx);
    ctx.onClose(() => loop.close());
    return { pull: () => loop.pull(), cancel: async () => loop.stop() };
  });
}

/** The fewest bytes a record is taken to cost in a fetch, to size `maxUnacknowledged` from `maxBytes`. */
const RECORD_BYTES_AT_LEAST = 64;
/** How many fetches' worth of records may wait for their acknowledgement by default. */
const FETCHES_UNACKNOWLEDGED = 4;
/** The default `maxUnacknowledged` never goes below this (small fetches, downstream buffers). */
const MIN_DEFAULT_UNACKNOWLEDGED = 10_000;

/** The default `maxUnacknowledged` for a fetch bound of `maxBytes`; see the option. */
export function defaultMaxUnacknowledged(maxBytes: number): number {
  return Math.max(MIN_DEFAULT_UNACKNOWLEDGED, FETCHES_UNACKNOWLEDGED * Math.ceil(maxBytes / RECORD_BYTES_AT_LEAST));
}

export type { ConsumerRecords, KafkaRecord, KafkaHeaders } from '../core/records.js';
