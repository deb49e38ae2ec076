import type { Batch, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Chunk } from '../../core/chunk.js';
import type { StageContext } from '../../core/stage.js';
import type { KafkaError } from '../../errors.js';
import { isRebalanceError, toKafkaError, within } from './client.js';
import { type CommitOffset, OffsetTracker } from './offset-tracker.js';
import { type ConsumerRecords, toKafkaRecord } from './records.js';

export interface ConsumerLoopConfig {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly sessionTimeout: number;
  readonly heartbeatInterval: number;
  readonly rebalanceTimeout: number;
  readonly commitEveryN: number;
  readonly commitIntervalMs: number;
  readonly closeTimeoutMs: number;
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
  readonly maxWaitTimeInMs: number;
}

interface Offer {
  readonly batch: Batch;
  settled: boolean;
  readonly settle: (taken: boolean) => void;
  readonly outcome: Promise<boolean>;
}

/**
 * The per-run machinery of kafkaSource: one kafkajs consumer whose eachBatch hands each
 * batch to a one-batch queue and waits (heartbeating) until the stage's downstream pulls
 * it; an offset tracker fed by the records' acknowledgements; batched commits; rebalance,
 * drain and close handling.
 */
export class ConsumerLoop {
  readonly #tracker: OffsetTracker;
  #consumer: Consumer | undefined;
  #starting: Promise<void> | undefined;
  #offer: Offer | undefined;
  #wake: (() => void) | undefined;
  #stopped = false;
  #running = false;
  readonly #stoppedSignal: Promise<void>;
  #signalStopped!: () => void;
  #closed = false;
  #failure: KafkaError | undefined;
  #acksSinceCommit = 0;
  #committing: Promise<void> | undefined;
  #commitAgain = false;
  #joins = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly config: ConsumerLoopConfig,
    private readonly ctx: StageContext,
  ) {
    this.#tracker = new OffsetTracker(() => {
      if (++this.#acksSinceCommit >= config.commitEveryN) this.#commitInBackground();
    });
    this.#stoppedSignal = new Promise<void>((resolve) => (this.#signalStopped = resolve));
    this.#timer = setInterval(() => this.#commitInBackground(), config.commitIntervalMs);
    this.#timer.unref();
    const stop = (): void => this.stop();
    ctx.draining.addEventListener('abort', stop, { once: true });
    ctx.signal.addEventListener('abort', stop, { once: true });
  }

  /** One batch of one partition, once kafkajs has fetched it; undefined once stopped. */
  async pull(): Promise<Chunk<ConsumerRecords> | undefined> {
    if (this.#stopped) return undefined;
    await Promise.race([this.#start(), this.#stoppedSignal]);
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#stopped) return undefined;
      const offer = this.#offer;
      if (offer !== undefined) {
        this.#offer = undefined;
        return this.#take(offer);
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Stops fetching: a waiting batch is withdrawn (it was never emitted), partitions are paused. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#signalStopped();
    this.#withdraw();
    this.#wakeUp();
    const consumer = this.#consumer;
    if (consumer !== undefined) {
      try {
        consumer.pause(this.config.topics.map((topic) => ({ topic })));
      } catch {
        // not running yet or any more: nothing to pause
      }
    }
  }

  /** Teardown: final commit of everything acknowledged, then disconnect; each bounded in time. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.stop();
    clearInterval(this.#timer);
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    let commitError: unknown;
    if (this.#running) {
      const committed = await within(
        this.#commit().catch((error: unknown) => void (commitError = error)),
        this.config.closeTimeoutMs,
      );
      if (committed === undefined) this.ctx.metrics.count('closeTimeouts');
    }
    const disconnected = await within(consumer.disconnect().catch(() => undefined), this.config.closeTimeoutMs);
    if (disconnected === undefined) this.ctx.metrics.count('closeTimeouts');
    if (commitError !== undefined) throw toKafkaError('final commit failed', commitError, { stage: this.ctx.name });
  }

  #start(): Promise<void> {
    this.#starting ??= this.#run().catch((error: unknown) => {
      throw toKafkaError(`cannot consume ${this.config.topics.join(', ')} in group ${this.config.groupId}`, error, { stage: this.ctx.name });
    });
    return this.#starting;
  }

  async #run(): Promise<void> {
    const c = this.config;
    const consumer = c.kafka.consumer({
      groupId: c.groupId,
      sessionTimeout: c.sessionTimeout,
      heartbeatInterval: c.heartbeatInterval,
      rebalanceTimeout: c.rebalanceTimeout,
      maxBytesPerPartition: c.maxBytesPerPartition,
      maxBytes: c.maxBytes,
      maxWaitTimeInMs: c.maxWaitTimeInMs,
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.REBALANCING, () => this.#revokeAll());
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.#joins++ > 0) {
        this.ctx.metrics.count('rebalances');
        this.#revokeAll();
      }
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.#tracker.revokeAll();
      if (event.payload.restart) {
        this.ctx.metrics.count('consumerRestarts');
        return;
      }
      this.#failure ??= toKafkaError('consumer crashed', event.payload.error, { stage: this.ctx.name });
      this.#wakeUp();
      if (!this.#closed) this.ctx.fail(this.#failure);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...c.topics], fromBeginning: c.fromBeginning });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: (p) => this.#eachBatch(p) });
    this.#running = true;
  }

  /** Offers the batch to the stage's downstream and waits, heartbeating, until it is taken. */
  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset } = payload;
    if (this.#stopped || batch.messages.length === 0) return;
    let settle!: (taken: boolean) => void;
    const outcome = new Promise<boolean>((resolve) => (settle = resolve));
    const offer: Offer = { batch, settled: false, settle, outcome };
    this.#offer = offer;
    this.#wakeUp();
    for (;;) {
      const taken = await within(outcome, this.config.heartbeatInterval);
      if (taken !== undefined) {
        if (taken.value) resolveOffset(batch.messages[batch.messages.length - 1].offset);
        return;
      }
      if (!isRunning() || isStale()) {
        this.#withdraw(offer);
        return;
      }
      try {
        await heartbeat();
      } catch (error) {
        this.#withdraw(offer);
        if (isRebalanceError(error)) this.#revokeAll();
        throw error;
      }
    }
  }

  #take(offer: Offer): Chunk<ConsumerRecords> {
    const { topic, partition, messages } = offer.batch;
    const records = messages.map((m) => toKafkaRecord(topic, partition, m));
    const { acks, live } = this.#tracker.register(topic, partition, records.map((r) => r.offset));
    offer.settled = true;
    offer.settle(true);
    this.ctx.metrics.count('records', records.length);
    const element: ConsumerRecords = { topic, partition, records, acks, live };
    return { items: [element], acks: [() => acks.forEach((ack) => ack())] };
  }

  #withdraw(offer: Offer | undefined = this.#offer): void {
    if (offer === undefined || offer.settled) return;
    offer.settled = true;
    if (this.#offer === offer) this.#offer = undefined;
    offer.settle(false);
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * The group is rebalancing (kafkajs uses the eager protocol: every partition is given
   * up, and whatever stays assigned is fetched again from its committed offset). Commits
   * what was processed and forgets the rest: records not yet emitted are dropped and
   * later acknowledgements of emitted ones are ignored.
   */
  #revokeAll(): void {
    const pending = this.#tracker.pending();
    this.#tracker.revokeAll();
    this.#withdraw();
    if (pending.length > 0) void this.#send(pending).catch(() => this.ctx.metrics.count('commitsSkipped'));
  }

  /** A commit nobody waits for; a failure has already failed the run. */
  #commitInBackground(): void {
    this.#commit().catch(() => undefined);
  }

  /** Commits what is committable; one commit at a time, re-running if acks came meanwhile. */
  #commit(): Promise<void> {
    if (this.#committing !== undefined) {
      this.#commitAgain = true;
      return this.#committing;
    }
    this.#committing = (async () => {
      do {
        this.#commitAgain = false;
        this.#acksSinceCommit = 0;
        const pending = this.#tracker.pending();
        if (pending.length === 0 || !this.#running) return;
        try {
          await this.#send(pending);
        } catch (error) {
          if (isRebalanceError(error)) {
            this.ctx.metrics.count('commitsSkipped');
            return;
          }
          const failure = toKafkaError('commit failed', error, { stage: this.ctx.name });
          if (!this.#closed) this.ctx.fail(failure);
          throw failure;
        }
      } while (this.#commitAgain);
    })().finally(() => (this.#committing = undefined));
    return this.#committing;
  }

  async #send(offsets: CommitOffset[]): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    await consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
    this.#tracker.markCommitted(offsets);
    this.ctx.metrics.count('commits');
  }
}
