// A stand-in for kafkajs' Kafka client and Consumer, for UNIT tests of the consumer loop
// only (the integration tests run the real kafkajs against the real broker). It models the
// parts of kafkajs 2.2 the loop depends on, as kafkajs behaves:
// - run() joins the group (the test decides when the join ends and how) and resolves once
//   the join is over, also when it failed: kafkajs then "crashes" (emits STOP then CRASH)
//   and, unless `retry.restartOnFailure` answers false, restarts the join by itself later;
// - disconnect() during a join does not stop it (kafkajs' runner is not running yet): when
//   the join then succeeds the consumer fetches all the same. That is the leak to avoid.
import type { Consumer, ConsumerConfig, Kafka, KafkaMessage } from 'kafkajs';
import { deferred, type Deferred } from '../../../src/core/wakeup.js';

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
} as const;

type Listener = (event: { payload: Record<string, unknown> }) => void;
type EachBatch = (payload: {
  batch: { topic: string; partition: number; messages: KafkaMessage[] };
  heartbeat: () => Promise<void>;
  isRunning: () => boolean;
  isStale: () => boolean;
  resolveOffset: (offset: string) => void;
}) => Promise<void>;

/** A protocol error as kafkajs makes them, e.g. REBALANCE_IN_PROGRESS from a heartbeat. */
export function kafkajsProtocolError(type: string): Error {
  const error = kafkajsError('KafkaJSProtocolError', `The group is rebalancing, so a rejoin is needed (${type})`, true) as Error & { type: string };
  error.type = type;
  return error;
}

/** An error as kafkajs makes them: a name and whether retrying may help. */
export function kafkajsError(name: string, message: string, retriable: boolean): Error {
  const error = new Error(message) as Error & { retriable: boolean };
  error.name = name;
  error.retriable = retriable;
  return error;
}

export class FakeConsumer {
  readonly events = EVENTS;
  readonly #listeners = new Map<string, Listener[]>();
  /** Calls of the public API, in order. */
  readonly calls: string[] = [];
  disconnects = 0;
  /** Joins kafkajs started again by itself after a crash. */
  restarts = 0;
  /** Whether kafkajs' runner fetches (joined and not stopped). */
  fetching = false;
  joinsInProgress = 0;
  /** Heartbeats sent from eachBatch (while a batch waits for the loop's downstream). */
  heartbeats = 0;
  readonly committed: { topic: string; partition: number; offset: string }[][] = [];
  /** Each connect() waits for this when set (resolve it to let the connect end, reject it to fail it). */
  connectGate: Deferred<void> | undefined;
  connectError: Error | undefined;
  /** While set, every heartbeat fails with it (e.g. REBALANCE_IN_PROGRESS while the group waits for this member to rejoin). */
  heartbeatError: Error | undefined;
  /** Failures of the next commitOffsets() calls, in order. */
  readonly commitErrors: Error[] = [];
  #join: Deferred<Error | undefined> | undefined;
  #eachBatch: EachBatch | undefined;

  constructor(readonly config: ConsumerConfig) {}

  on(event: string, listener: Listener): () => void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return () => undefined;
  }

  emit(event: string, payload: Record<string, unknown> = {}): void {
    for (const listener of this.#listeners.get(event) ?? []) listener({ payload });
  }

  async connect(): Promise<void> {
    this.calls.push('connect');
    if (this.connectGate !== undefined) await this.connectGate.promise;
    if (this.connectError !== undefined) throw this.connectError;
  }

  async subscribe(): Promise<void> {
    this.calls.push('subscribe');
  }

  async run(config: { eachBatch: EachBatch }): Promise<void> {
    this.calls.push('run');
    this.#eachBatch = config.eachBatch;
    await this.#start();
  }

  /** Whether a join is waiting for the test to end it. */
  get joining(): boolean {
    return this.#join !== undefined;
  }

  /** Ends the join in progress: joined, or failed with `error` (kafkajs then crashes). */
  endJoin(error?: Error): void {
    const join = this.#join;
    if (join === undefined) throw new Error('no join in progress');
    this.#join = undefined;
    join.resolve(error);
  }

  /** kafkajs' runner.start(): join, then fetch; on failure its onCrash. */
  async #start(): Promise<void> {
    this.#join = deferred<Error | undefined>();
    this.joinsInProgress++;
    const error = await this.#join.promise;
    this.joinsInProgress--;
    if (error !== undefined) return this.#crash(error);
    this.emit(EVENTS.GROUP_JOIN, { groupId: this.config.groupId });
    this.fetching = true;
  }

  /** kafkajs' onCrash: stop and disconnect, CRASH, then restart unless restartOnFailure says no. */
  async #crash(error: Error): Promise<void> {
    this.fetching = false;
    this.emit(EVENTS.STOP);
    const retriable = (error as Error & { retriable?: boolean }).retriable === true;
    const restartOnFailure = this.config.retry?.restartOnFailure;
    const restart = retriable && (restartOnFailure === undefined || (await restartOnFailure(error)));
    this.emit(EVENTS.CRASH, { error, groupId: this.config.groupId, restart });
    if (restart) {
      setTimeout(() => {
        this.restarts++;
        void this.#start();
      }, 10);
    }
  }

  /**
   * kafkajs' runner after a rebalance error: REBALANCING, then (the join and sync over)
   * GROUP_JOIN with this member's new assignment.
   */
  rejoin(memberAssignment: Record<string, number[]>): void {
    this.heartbeatError = undefined;
    this.emit(EVENTS.REBALANCING, { groupId: this.config.groupId });
    this.emit(EVENTS.GROUP_JOIN, { groupId: this.config.groupId, memberAssignment });
  }

  /** A failure while fetching (after the join): kafkajs' runner crashes. */
  failWhileRunning(error: Error): Promise<void> {
    return this.#crash(error);
  }

  /** Hands a batch to the loop's eachBatch as kafkajs would; resolves when eachBatch returns. */
  deliver(topic: string, partition: number, offsets: readonly number[]): Promise<void> {
    const eachBatch = this.#eachBatch;
    if (eachBatch === undefined || !this.fetching) throw new Error('not fetching');
    const messages = offsets.map((o): KafkaMessage => ({ key: null, value: Buffer.from(`v${o}`), timestamp: '0', attributes: 0, offset: String(o), headers: {} }));
    return eachBatch({
      batch: { topic, partition, messages },
      heartbeat: async () => {
        this.heartbeats++;
        if (this.heartbeatError !== undefined) throw this.heartbeatError;
      },
      isRunning: () => this.fetching,
      isStale: () => false,
      resolveOffset: () => undefined,
    });
  }

  async commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    this.calls.push('commitOffsets');
    const error = this.commitErrors.shift();
    if (error !== undefined) throw error;
    this.committed.push(offsets);
  }

  pause(): void {
    if (!this.fetching) throw new Error('Consumer group was not initialized, consumer#run must be called first');
  }

  /** kafkajs' disconnect(): stops the runner if it runs (a join in progress goes on), then closes the connections. */
  async disconnect(): Promise<void> {
    this.calls.push('disconnect');
    this.disconnects++;
    if (this.fetching) {
      this.fetching = false;
      this.emit(EVENTS.STOP);
    }
    this.emit(EVENTS.DISCONNECT);
  }
}

/** The stand-in for kafkajs' Kafka client: every consumer it made, in order. */
export class FakeKafka {
  readonly consumers: FakeConsumer[] = [];
  /** Called on each new consumer before the loop uses it. */
  prepare: (consumer: FakeConsumer) => void = () => undefined;

  consumer(config: ConsumerConfig): Consumer {
    const consumer = new FakeConsumer(config);
    this.prepare(consumer);
    this.consumers.push(consumer);
    return consumer as unknown as Consumer;
  }

  /** As the `kafka` option of kafkaSource. */
  asKafka(): Kafka {
    return this as unknown as Kafka;
  }
}
