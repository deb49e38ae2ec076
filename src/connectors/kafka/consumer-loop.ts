import type { Batch, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Chunk } from '../../core/chunk.js';
import type { StageContext } from '../../core/stage.js';
import { KafkaError, messageOf } from '../../errors.js';
import { sleep } from '../../core/time.js';
import { deferred } from '../../core/wakeup.js';
import { isRebalanceError, isRebalanceInProgress, isTransient, toKafkaError, within } from './client.js';
import { type CommitOffset, OffsetTracker } from './offset-tracker.js';
import type { ConsumerRecords, KafkaRecord } from '../../core/records.js';
import { toKafkaRecord } from './records.js';

export interface ConsumerLoopConfig {
  /** Makes the kafkajs consumers (a kafkajs client; a unit test may stand in for it). */
  readonly kafka: Pick<Kafka, 'consumer'>;
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
  /** How long the loop keeps trying while the brokers, the group coordinator or commits fail for a passing reason. */
  readonly giveUpAfterMs: number;
  /** Most records emitted and not yet acknowledged; at the bound `pull()` waits for acknowledgements. */
  readonly maxUnacknowledged: number;
  /** How long a rebalance waits for the records in flight to be acknowledged (and commits them) before the partitions are given up; 0: not at all. */
  readonly drainOnRebalanceMs: number;
}

/** The pause before the next consumer after a failure: doubles with each failure in a row, up to `max`. */
const RECONNECT_BACKOFF_MS = { first: 500, max: 5_000 } as const;
/** The pause between tries of the final commit while it fails for a passing reason. */
const FINAL_COMMIT_RETRY_MS = 500;
/** The gauges of unacknowledged records are refreshed at least this often (and on each pull), ms. */
const GAUGE_REFRESH_MS = 1_000;

interface Offer {
  readonly batch: Batch;
  /** Index of the first record of the batch not yet emitted: a batch is emitted in parts when `maxUnacknowledged` leaves room for only some. */
  next: number;
  settled: boolean;
  readonly settle: (taken: boolean) => void;
  readonly outcome: Promise<boolean>;
}

/**
 * Where one kafkajs consumer is: `connecting` (connect, subscribe), `joining` (`run()`:
 * the first join of the group), `running` (joined, fetching; commits go through it), `over`
 * (stopped, crashed or disconnected: it is never used again).
 */
type Phase = 'connecting' | 'joining' | 'running' | 'over';

/** One kafkajs consumer of the loop, from connect to disconnect. After a failure the loop makes a new one. */
class Session {
  phase: Phase = 'connecting';
  joins = 0;
  readonly openedAt = Date.now();
  /** Set by `end()`: the next step of the start (subscribe, run) is not taken. */
  ending = false;
  /** From the moment a rebalance is known until the group is joined again: nothing is emitted meanwhile. */
  rebalancing = false;
  /** Connect, subscribe, run (the first join); set right after construction. */
  started: Promise<void> = Promise.resolve();
  readonly #crash = deferred<unknown>();
  #ended: Promise<void> | undefined;

  constructor(readonly consumer: Consumer) {}

  /** Resolves with kafkajs' error when the consumer crashed (kafkajs never restarts it: the loop does). */
  get crashed(): Promise<unknown> {
    return this.#crash.promise;
  }

  crash(error: unknown): void {
    this.phase = 'over';
    this.#crash.resolve(error);
  }

  /**
   * Disconnects the consumer once the step of its start in progress is over: kafkajs
   * cannot abort a connect or a join, and a consumer disconnected while it joins starts
   * fetching when the join completes. Once only: later calls return the same promise.
   */
  end(): Promise<void> {
    this.ending = true;
    this.#ended ??= this.started
      .catch(() => undefined)
      .then(() => this.consumer.disconnect())
      .catch(() => undefined)
      .finally(() => (this.phase = 'over'));
    return this.#ended;
  }
}

/**
 * The per-run machinery of kafkaSource: a kafkajs consumer whose eachBatch hands each
 * batch to a one-batch queue and waits (heartbeating) until the stage's downstream pulls
 * it; an offset tracker fed by the records' acknowledgements; batched commits; rebalance,
 * drain and close handling.
 *
 * kafkajs never restarts a consumer by itself here (`restartOnFailure` answers false):
 * when a consumer fails for a passing reason (broker down or restarting, no group
 * coordinator, a lost connection), the loop drops it, forgets what it had emitted (those
 * records are read again from the committed offsets) and, after a backoff, makes a new one
 * that joins the group again; a commit that fails so is tried again later with the
 * tracker's latest offsets. It gives up when such trouble lasted `giveUpAfterMs`. Stopping
 * and closing are the one place a consumer is disconnected, so none survives the run.
 *
 * At most `maxUnacknowledged` emitted records wait for their acknowledgement: at the bound
 * `pull()` waits (the offered batch waits with it, heartbeating) and an acknowledgement
 * that makes room wakes it; a batch larger than the room left is emitted in parts.
 */
export class ConsumerLoop {
  readonly #tracker: OffsetTracker;
  readonly #stopping = new AbortController();
  readonly #stoppedSignal: Promise<undefined>;
  #session: Session | undefined;
  #supervising: Promise<void> | undefined;
  #offer: Offer | undefined;
  #wake: (() => void) | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #failure: KafkaError | undefined;
  /** Since when the loop waits for something that fails for a passing reason, what, and the last error. */
  #outage: { readonly since: number; waitingFor: string; cause: unknown } | undefined;
  #acksSinceCommit = 0;
  #committing: Promise<unknown> | undefined;
  #commitAgain = false;
  /** Set while `pull()` waits because `maxUnacknowledged` records are out: an acknowledgement then wakes it. */
  #atBound = false;
  /** Set while a rebalance drains: an acknowledgement wakes it. */
  #onDrainAck: (() => void) | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #gaugeTimer: NodeJS.Timeout;

  constructor(
    private readonly config: ConsumerLoopConfig,
    private readonly ctx: StageContext,
  ) {
    this.#tracker = new OffsetTracker(() => {
      if (++this.#acksSinceCommit >= config.commitEveryN) this.#commitInBackground();
      if (this.#atBound && this.#tracker.unacknowledged() < config.maxUnacknowledged) this.#wakeUp();
      this.#onDrainAck?.();
    });
    this.#stoppedSignal = new Promise<undefined>((resolve) => this.#stopping.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
    this.#timer = setInterval(() => {
      this.#commitInBackground();
      this.#giveUpIfOverdue();
    }, config.commitIntervalMs);
    this.#timer.unref();
    this.#gaugeTimer = setInterval(() => this.#refreshGauges(), Math.min(config.commitIntervalMs, GAUGE_REFRESH_MS));
    this.#gaugeTimer.unref();
    ctx.metrics.counters.set('waiting', 0);
    this.#refreshGauges();
    const stop = (): void => this.stop();
    ctx.draining.addEventListener('abort', stop, { once: true });
    ctx.signal.addEventListener('abort', stop, { once: true });
  }

  get #stopped(): boolean {
    return this.#stopping.signal.aborted;
  }

  get #topicNames(): string {
    return this.config.topics.join(', ');
  }

  /**
   * One batch of one partition (or the part of it that `maxUnacknowledged` leaves room
   * for), once kafkajs has fetched it and fewer than `maxUnacknowledged` emitted records
   * wait for their acknowledgement; undefined once stopped.
   */
  async pull(): Promise<Chunk<ConsumerRecords> | undefined> {
    this.#supervising ??= this.#supervise().catch((error: unknown) => this.#fail(toKafkaError('consumer loop failed', error, { stage: this.ctx.name })));
    try {
      for (;;) {
        if (this.#failure !== undefined) throw this.#failure;
        if (this.#stopped) return undefined;
        const room = this.config.maxUnacknowledged - this.#tracker.unacknowledged();
        this.#atBound = room <= 0;
        const offer = this.#offer;
        if (offer !== undefined && room > 0 && this.#session?.rebalancing !== true) {
          const chunk = this.#take(offer, room);
          if (chunk !== undefined) return chunk;
          continue;
        }
        if (this.#atBound) this.#refreshGauges();
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      this.#atBound = false;
      this.#refreshGauges();
    }
  }

  /** Stops fetching: a waiting batch is withdrawn (it was never emitted), partitions are paused, no new consumer is made. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopping.abort();
    this.#withdraw();
    this.#wakeUp();
    const session = this.#session;
    if (session?.phase === 'running') this.#pause(session);
  }

  /**
   * Teardown, the one place the consumer ends; safe to call twice. Waits for a join in
   * progress (bounded), commits everything acknowledged, then disconnects; each bounded
   * in time. A consumer still connecting is left to disconnect as soon as its connect is
   * over: it holds nothing in the group, so `done` need not wait for it.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.stop();
    clearInterval(this.#timer);
    clearInterval(this.#gaugeTimer);
    const session = this.#session;
    if (session === undefined) return;
    if (session.phase === 'connecting') {
      void session.end();
      return;
    }
    if (session.phase === 'joining' && (await within(session.started.catch(() => undefined), this.config.closeTimeoutMs)) === undefined) {
      this.ctx.metrics.count('closeTimeouts');
      void session.end(); // disconnects when the join is over
      return;
    }
    const commitError = session.phase === 'running' ? await this.#finalCommit() : undefined;
    if ((await within(session.end(), this.config.closeTimeoutMs)) === undefined) this.ctx.metrics.count('closeTimeouts');
    if (commitError !== undefined) throw toKafkaError('final commit failed', commitError, { stage: this.ctx.name, topic: this.#topicNames });
  }

  /**
   * Runs consumers one after the other until stopped: a new one (after a backoff) each time
   * one cannot start or crashes for a passing reason; the run fails on any other reason,
   * or when the trouble lasted `giveUpAfterMs`.
   */
  async #supervise(): Promise<void> {
    let failuresInARow = 0;
    while (!this.#stopped) {
      const session = this.#open();
      let error: unknown;
      try {
        await session.started;
        error = await Promise.race([session.crashed, this.#stoppedSignal]);
      } catch (e) {
        error = e;
      }
      if (this.#stopped) return; // close() ends the session
      const joined = session.joins > 0;
      await session.end();
      if (this.#stopped) return;
      if (joined) failuresInARow = 0;
      if (!isTransient(error)) {
        this.#fail(toKafkaError(`cannot consume ${this.#topicNames} in group ${this.config.groupId}`, error, { stage: this.ctx.name, topic: this.#topicNames }));
        return;
      }
      // a consumer that never joined was waiting since it was made (kafkajs retried meanwhile)
      const what = joined ? `the consumer to rejoin group ${this.config.groupId}` : `the brokers and the coordinator of group ${this.config.groupId}`;
      this.#troubled(what, error, joined ? Date.now() : session.openedAt);
      if (this.#failure !== undefined) return;
      await sleep(Math.min(RECONNECT_BACKOFF_MS.first * 2 ** failuresInARow++, RECONNECT_BACKOFF_MS.max), this.#stopping.signal);
      if (!this.#stopped) this.ctx.metrics.count('reconnects');
    }
  }

  /** Makes the next consumer and starts it. */
  #open(): Session {
    const c = this.config;
    const consumer = c.kafka.consumer({
      groupId: c.groupId,
      sessionTimeout: c.sessionTimeout,
      heartbeatInterval: c.heartbeatInterval,
      rebalanceTimeout: c.rebalanceTimeout,
      maxBytesPerPartition: c.maxBytesPerPartition,
      maxBytes: c.maxBytes,
      maxWaitTimeInMs: c.maxWaitTimeInMs,
      // kafkajs' default retries for a consumer; and never a restart by kafkajs itself: one
      // after close() leaked a consumer holding partitions (the loop makes a new consumer instead)
      retry: { retries: 5, restartOnFailure: () => Promise.resolve(false) },
    });
    const session = new Session(consumer);
    this.#session = session;
    consumer.on(consumer.events.REBALANCING, () => this.#rebalancing(session));
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (session.joins++ > 0) {
        this.ctx.metrics.count('rebalances');
        this.#rejoined(session, event.payload.memberAssignment);
      }
      this.#recovered();
    });
    consumer.on(consumer.events.STOP, () => this.#lost(session));
    consumer.on(consumer.events.CRASH, (event) => {
      this.#lost(session);
      session.crash(event.payload.error);
    });
    session.started = this.#start(session);
    return session;
  }

  async #start(session: Session): Promise<void> {
    const c = this.config;
    const { consumer } = session;
    await consumer.connect();
    if (session.ending || this.#stopped) return;
    await consumer.subscribe({ topics: [...c.topics], fromBeginning: c.fromBeginning });
    if (session.ending || this.#stopped) return;
    session.phase = 'joining';
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: (p) => this.#eachBatch(session, p) });
    // kafkajs' run() also resolves when the join failed: the consumer then crashed and is over
    if (session.phase !== 'joining') return;
    session.phase = 'running';
    if (this.#stopped) this.#pause(session);
  }

  /** The consumer stopped or crashed: what it emitted will be read again (at least once) by whoever owns the partitions next. */
  #lost(session: Session): void {
    session.phase = 'over';
    if (session !== this.#session) return;
    this.#tracker.revokeAll();
    this.#acksSinceCommit = 0;
    this.#withdraw();
    this.#wakeUp(); // a pull waiting at maxUnacknowledged: the revoked records no longer count
  }

  #pause(session: Session): void {
    try {
      session.consumer.pause(this.config.topics.map((topic) => ({ topic })));
    } catch {
      // not running any more: nothing to pause
    }
  }

  /**
   * Offers the batch to the stage's downstream and waits, heartbeating, until it is taken
   * (all of it, maybe in parts) or withdrawn. What was emitted is resolved in kafkajs, so
   * its next fetch of the partition starts after it; what was not is fetched again.
   *
   * A heartbeat answered "rebalance in progress" (also the one sent, when due, just before
   * returning, so that kafkajs' own heartbeat after the batch is seldom the one that learns
   * of a rebalance) drains before kafkajs rejoins: see `#drain`.
   */
  async #eachBatch(session: Session, payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset } = payload;
    if (this.#stopped || session !== this.#session || session.phase === 'over' || session.rebalancing || batch.messages.length === 0) return;
    let settle!: (taken: boolean) => void;
    const outcome = new Promise<boolean>((resolve) => (settle = resolve));
    const offer: Offer = { batch, next: 0, settled: false, settle, outcome };
    const resolveEmitted = (): void => {
      if (offer.next > 0) resolveOffset(batch.messages[offer.next - 1].offset);
    };
    this.#offer = offer;
    this.#wakeUp();
    try {
      for (;;) {
        const taken = await within(outcome, this.config.heartbeatInterval);
        if (taken !== undefined || !isRunning() || isStale()) break;
        await heartbeat();
      }
    } catch (error) {
      this.#withdraw(offer);
      resolveEmitted();
      if (isRebalanceInProgress(error)) await this.#drain(session, heartbeat);
      else if (isRebalanceError(error)) this.#rebalancing(session);
      throw error;
    }
    this.#withdraw(offer);
    resolveEmitted();
    if (!isRunning()) return;
    try {
      await heartbeat();
    } catch (error) {
      if (isRebalanceInProgress(error)) await this.#drain(session, heartbeat);
      else if (isRebalanceError(error)) this.#rebalancing(session);
      throw error;
    }
  }

  /**
   * A rebalance has begun and this member is still in the current generation: before
   * kafkajs rejoins (and gives every partition up, as its eager protocol does), stop
   * emitting, wait until every record emitted is acknowledged (heartbeating, which keeps
   * the member in the group; at most `drainOnRebalanceMs`), and commit them, so that the
   * partitions' next owners start right after what was processed: a planned scale-out or
   * scale-in redelivers nothing. The coordinator accepts commits of the current
   * generation until every member has rejoined; the other members wait for this one (up
   * to the rebalance timeout) meanwhile.
   */
  async #drain(session: Session, heartbeat: () => Promise<void>): Promise<void> {
    this.#rebalancing(session);
    const deadline = Date.now() + this.config.drainOnRebalanceMs;
    this.ctx.metrics.count('drains');
    try {
      while (this.#tracker.unacknowledged() > 0 && !this.#stopped && session === this.#session && session.phase === 'running') {
        const left = deadline - Date.now();
        if (left <= 0) {
          this.ctx.metrics.count('drainTimeouts');
          break;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, this.config.heartbeatInterval));
          this.#onDrainAck = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#onDrainAck = undefined;
        try {
          await heartbeat(); // sent only when due: it keeps the member in the group while it drains
        } catch (error) {
          if (!isRebalanceInProgress(error)) return; // no longer in this generation: its commits would be refused
        }
      }
    } finally {
      this.#onDrainAck = undefined;
    }
    await this.#commit();
  }

  /**
   * A rebalance is known (kafkajs is about to rejoin, or a heartbeat said so): nothing more
   * is emitted until the group is joined again; the batch on offer is withdrawn (it was
   * never emitted) and what was processed is committed now, before kafkajs' JoinGroup
   * request goes out. Records in flight stay tracked: the new assignment decides (`#rejoined`).
   */
  #rebalancing(session: Session): void {
    if (session !== this.#session || session.rebalancing) return;
    session.rebalancing = true;
    this.#withdraw();
    this.#wakeUp();
    const pending = this.#tracker.pending();
    if (pending.length > 0) void this.#send(session, pending).catch(() => this.ctx.metrics.count('commitsSkipped'));
  }

  /**
   * The group was joined again with a new assignment: partitions given up are forgotten
   * (records of theirs not yet processed stop being emitted, `live()` turns false, late
   * acknowledgements are ignored, and their next owner reads them from the committed
   * offset); partitions kept stay tracked, so their records in flight are still committed
   * when acknowledged and not emitted a second time when kafkajs fetches them again.
   */
  #rejoined(session: Session, assignment: Readonly<Record<string, readonly number[]>> | undefined): void {
    if (session !== this.#session) return;
    const owned = new Set(Object.entries(assignment ?? {}).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`)));
    this.#tracker.retain((topic, partition) => owned.has(`${topic}:${partition}`));
    this.#acksSinceCommit = 0;
    session.rebalancing = false;
    this.#withdraw();
    this.#wakeUp();
    this.#commitInBackground();
  }

  /**
   * Emits the offered batch's next records, at most `room` of them; the offer is settled once
   * all are emitted. Records at or below the last offset emitted of a partition still tracked
   * are in flight already (kafkajs fetches a partition kept across a rebalance again from its
   * committed offset): they are passed over, and undefined is returned when nothing is left.
   */
  #take(offer: Offer, room: number): Chunk<ConsumerRecords> | undefined {
    const { topic, partition, messages } = offer.batch;
    let start = offer.next;
    const last = this.#tracker.lastEmitted(topic, partition);
    if (last !== undefined) {
      const first = start;
      while (start < messages.length && BigInt(messages[start].offset) <= last) start++;
      if (start > first) this.ctx.metrics.count('inFlightAgain', start - first);
    }
    const end = Math.min(messages.length, start + room);
    offer.next = end;
    if (end === messages.length) {
      if (this.#offer === offer) this.#offer = undefined;
      offer.settled = true;
      offer.settle(true);
    } else {
      this.ctx.metrics.count('splitBatches');
    }
    if (end === start) return undefined;
    const records = new Array<KafkaRecord>(end - start);
    const offsets = new Array<string>(end - start);
    for (let i = start; i < end; i++) {
      records[i - start] = toKafkaRecord(topic, partition, messages[i]);
      offsets[i - start] = messages[i].offset;
    }
    const { acks, live } = this.#tracker.register(topic, partition, offsets, Date.now());
    this.ctx.metrics.count('records', records.length);
    const element: ConsumerRecords = { topic, partition, records, acks, live };
    return { items: [element], acks: [() => acks.forEach((ack) => ack())] };
  }

  /** The gauges `unacknowledged` (records emitted, not yet acknowledged) and `oldestUnacknowledgedMs` (how long the oldest of them waits). */
  #refreshGauges(): void {
    const counters = this.ctx.metrics.counters;
    counters.set('unacknowledged', this.#tracker.unacknowledged());
    const oldest = this.#tracker.oldestUnacknowledgedAt();
    counters.set('oldestUnacknowledgedMs', oldest === undefined ? 0 : Math.max(0, Date.now() - oldest));
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

  #fail(error: KafkaError): void {
    this.#failure ??= error;
    this.#wakeUp();
    if (!this.#closed) this.ctx.fail(this.#failure);
  }

  /** Something failed for a passing reason: the loop waits (visible as the `waiting` gauge), up to `giveUpAfterMs`. */
  #troubled(waitingFor: string, cause: unknown, since = Date.now()): void {
    if (this.#outage === undefined) {
      this.#outage = { since, waitingFor, cause };
      this.ctx.metrics.counters.set('waiting', 1);
    } else {
      this.#outage.waitingFor = waitingFor;
      this.#outage.cause = cause;
    }
    this.#giveUpIfOverdue();
  }

  /** The group was joined or a commit went through: whatever the loop waited for is back. */
  #recovered(): void {
    if (this.#outage === undefined) return;
    this.#outage = undefined;
    this.ctx.metrics.counters.set('waiting', 0);
  }

  #giveUpIfOverdue(): void {
    const outage = this.#outage;
    if (outage === undefined || this.#stopped || Date.now() - outage.since < this.config.giveUpAfterMs) return;
    const message = `gave up consuming ${this.#topicNames} in group ${this.config.groupId} after ${this.config.giveUpAfterMs} ms waiting for ${outage.waitingFor}: ${messageOf(outage.cause)}`;
    this.#fail(new KafkaError(message, { stage: this.ctx.name, topic: this.#topicNames, cause: outage.cause, retriable: true }));
  }

  /** A commit nobody waits for: a failure for a passing reason is tried again at the next one, any other fails the run. */
  #commitInBackground(): void {
    void this.#commit();
  }

  /** The last commit of a run, tried again while it fails for a passing reason, within `closeTimeoutMs`. Resolves with its error, if any. */
  async #finalCommit(): Promise<unknown> {
    const deadline = Date.now() + this.config.closeTimeoutMs;
    for (;;) {
      const outcome = await within(this.#commit(), Math.max(0, deadline - Date.now()));
      if (outcome === undefined) {
        this.ctx.metrics.count('closeTimeouts');
        return undefined;
      }
      const error = outcome.value;
      if (error === undefined || !isTransient(error) || Date.now() + FINAL_COMMIT_RETRY_MS >= deadline || this.#session?.phase !== 'running') return error;
      await new Promise((resolve) => setTimeout(resolve, FINAL_COMMIT_RETRY_MS));
    }
  }

  /**
   * Commits what is committable through the running consumer; one commit at a time,
   * again if acks came meanwhile. Resolves with the error of a commit that failed (it
   * never rejects): one that failed for a passing reason leaves the offsets pending, so
   * the next commit sends them (or later ones); any other error fails the run.
   */
  #commit(): Promise<unknown> {
    if (this.#committing !== undefined) {
      this.#commitAgain = true;
      return this.#committing;
    }
    this.#committing = (async (): Promise<unknown> => {
      do {
        this.#commitAgain = false;
        this.#acksSinceCommit = 0;
        const session = this.#session;
        if (session === undefined || session.phase !== 'running') return undefined;
        const pending = this.#tracker.pending();
        if (pending.length === 0) {
          this.#recovered();
          return undefined;
        }
        try {
          await this.#send(session, pending);
          this.#recovered();
        } catch (error) {
          if (isRebalanceError(error) || session.phase !== 'running') {
            // the group moved on or the consumer is over: its partitions are read again from the committed offsets
            this.ctx.metrics.count('commitsSkipped');
            return undefined;
          }
          if (isTransient(error)) {
            this.ctx.metrics.count('commitsFailed');
            this.#troubled(`a commit to group ${this.config.groupId}`, error);
            return error;
          }
          this.#fail(toKafkaError('commit failed', error, { stage: this.ctx.name, topic: this.#topicNames }));
          return error;
        }
      } while (this.#commitAgain);
      return undefined;
    })().finally(() => (this.#committing = undefined));
    return this.#committing;
  }

  async #send(session: Session, offsets: CommitOffset[]): Promise<void> {
    await session.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
    this.#tracker.markCommitted(offsets);
    this.ctx.metrics.count('commits');
  }
}
