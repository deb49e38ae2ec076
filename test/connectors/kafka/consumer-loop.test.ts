// Unit tests of kafkaSource's consumer loop with a stand-in for kafkajs (./fake-kafka.ts:
// fine in a UNIT test; the real kafkajs against the real broker is in
// test/integration/kafka-restart.test.ts). They pin the life cycle of the kafkajs consumers:
// stop() at any moment leaves none running and never lets kafkajs restart one, `done`
// settles promptly, and failures that may pass are ridden out without losing a record.
import { describe, expect, it } from 'vitest';
import { type Ack, defineSink, forEach, KafkaError, type MetricsSnapshot, type RunHandle } from 'dendrites';
import { consumerRecordsDequeue, type KafkaRecord, kafkaSource, type KafkaSourceOptions } from 'dendrites/kafka';
import { drain } from '../../../src/core/drain.js';
import { deferred } from '../../../src/core/wakeup.js';
import { type FakeConsumer, FakeKafka, kafkajsError, kafkajsProtocolError } from './fake-kafka.js';

const connectionError = (): Error => kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', true);

async function until(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Graph {
  readonly handle: RunHandle<void>;
  readonly processed: string[];
  counters(): Readonly<Record<string, number>>;
}

/** kafkaSource → dequeue → a sink that records "partition:offset" and acknowledges. */
function graph(kafka: FakeKafka, options: Partial<KafkaSourceOptions> = {}): Graph {
  const processed: string[] = [];
  const handle = kafkaSource({ kafka: kafka.asKafka(), groupId: 'g', topics: ['t'], ...options })
    .named('source')
    .via(consumerRecordsDequeue())
    .runWith(
      forEach(async (r: KafkaRecord) => {
        processed.push(`${r.partition}:${r.offset}`);
      }),
      { metricsIntervalMs: 10 },
    );
  let last: MetricsSnapshot | undefined;
  handle.metrics$.subscribe((m) => (last = m));
  return { handle, processed, counters: () => last?.stages.find((s) => s.stage === 'source')?.counters ?? {} };
}

interface HoldingGraph extends Graph {
  /** Acknowledgements the sink holds, in the order the records came. */
  readonly held: Ack[];
  /** Calls the first `n` held acknowledgements (all by default) and forgets them. */
  release(n?: number): void;
}

/** kafkaSource → dequeue → a sink that records "partition:offset" and holds every acknowledgement until the test releases it. */
function holdingGraph(kafka: FakeKafka, options: Partial<KafkaSourceOptions> = {}): HoldingGraph {
  const processed: string[] = [];
  const held: Ack[] = [];
  const holdAcks = defineSink<KafkaRecord, void>('holdAcks', async (upstream, ctx) => {
    await drain(upstream, ctx.inputBuffer, (chunk) => {
      chunk.items.forEach((r, i) => {
        processed.push(`${r.partition}:${r.offset}`);
        const ack = chunk.acks?.[i];
        if (ack !== undefined) held.push(ack);
      });
      ctx.metrics.out += chunk.items.length;
    });
  });
  const handle = kafkaSource({ kafka: kafka.asKafka(), groupId: 'g', topics: ['t'], ...options })
    .named('source')
    .via(consumerRecordsDequeue())
    .runWith(holdAcks, { metricsIntervalMs: 10 });
  let last: MetricsSnapshot | undefined;
  handle.metrics$.subscribe((m) => (last = m));
  return {
    handle,
    processed,
    held,
    release: (n = held.length) => held.splice(0, n).forEach((ack) => ack()),
    counters: () => last?.stages.find((s) => s.stage === 'source')?.counters ?? {},
  };
}

/** Whether a promise has settled, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise.then(() => true, () => true), new Promise((r) => setImmediate(() => r(pending)))])) === true;
}

const first = (kafka: FakeKafka): FakeConsumer => {
  const c = kafka.consumers[0];
  if (c === undefined) throw new Error('no consumer yet');
  return c;
};

/** The first consumer, once its first join has started, been let through and it fetches. */
async function joined(kafka: FakeKafka): Promise<FakeConsumer> {
  await until('the join to start', () => kafka.consumers[0]?.joining === true);
  const consumer = first(kafka);
  consumer.endJoin();
  await until('fetching', () => consumer.fetching);
  return consumer;
}

describe('kafkaSource consumer life cycle (kafkajs stand-in)', () => {
  it('stop() during the first join: waits for the join, disconnects once, no restart, done settles promptly', async () => {
    const kafka = new FakeKafka();
    const { handle } = graph(kafka);
    await until('the join to start', () => kafka.consumers[0]?.joining === true);
    const consumer = first(kafka);
    const stoppedAt = Date.now();
    const stopped = handle.stop();
    setTimeout(() => consumer.endJoin(), 300); // the join completes after stop()
    await stopped;
    const tookMs = Date.now() - stoppedAt;
    expect(tookMs).toBeGreaterThanOrEqual(290); // it waited for the join...
    expect(tookMs).toBeLessThan(2_000); // ...not for the 10 s close timeout
    expect(consumer.calls).toEqual(['connect', 'subscribe', 'run', 'disconnect']);
    expect(consumer.disconnects).toBe(1);
    expect(consumer.fetching).toBe(false); // disconnected after the join, so the runner stopped
    await sleep(200);
    expect(kafka.consumers).toHaveLength(1);
    expect(consumer.restarts).toBe(0);
    expect(consumer.fetching).toBe(false);
  });

  it('stop() during the first join that then fails: kafkajs is told not to restart, done settles, disconnect once', async () => {
    const kafka = new FakeKafka();
    const { handle } = graph(kafka);
    await until('the join to start', () => kafka.consumers[0]?.joining === true);
    const consumer = first(kafka);
    const stoppedAt = Date.now();
    const stopped = handle.stop();
    setTimeout(() => consumer.endJoin(kafkajsError('KafkaJSConnectionError', 'Connection error: write after end', true)), 100);
    await stopped;
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    await sleep(200); // a kafkajs restart would come 10 ms after the crash
    expect(consumer.restarts).toBe(0);
    expect(consumer.joinsInProgress).toBe(0);
    expect(kafka.consumers).toHaveLength(1);
    expect(consumer.disconnects).toBe(1);
    expect(consumer.fetching).toBe(false);
  });

  it('the stand-in restarts a crashed join as kafkajs does when restartOnFailure is not turned off', async () => {
    // the control for the test above: without the loop's restartOnFailure the join would start again
    const kafka = new FakeKafka();
    kafka.consumer({ groupId: 'g' });
    const consumer = first(kafka);
    const run = consumer.run({ eachBatch: async () => undefined });
    await until('the join to start', () => consumer.joining);
    consumer.endJoin(connectionError());
    await run;
    await until('kafkajs to restart the join', () => consumer.restarts === 1 && consumer.joining);
  });

  it('stop() while connecting: done settles at once; the consumer disconnects when its connect ends, and never joins', async () => {
    const kafka = new FakeKafka();
    const gate = deferred<void>();
    kafka.prepare = (c) => (c.connectGate = gate);
    const { handle } = graph(kafka);
    await until('the connect to start', () => kafka.consumers[0]?.calls.includes('connect') === true);
    const stoppedAt = Date.now();
    await handle.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(500);
    const consumer = first(kafka);
    expect(consumer.calls).toEqual(['connect']);
    gate.resolve();
    await until('the disconnect', () => consumer.disconnects === 1);
    await sleep(50);
    expect(consumer.calls).toEqual(['connect', 'disconnect']);
    expect(kafka.consumers).toHaveLength(1);
  });

  it('a crash for a passing reason: a new consumer rejoins after a backoff, uncommitted records come again, none skipped', async () => {
    const kafka = new FakeKafka();
    const g = graph(kafka, { commitEveryN: 3, commitIntervalMs: 60_000 });
    await until('the join to start', () => kafka.consumers[0]?.joining === true);
    const one = first(kafka);
    one.endJoin();
    await until('fetching', () => one.fetching);
    await one.deliver('t', 0, [0, 1, 2]);
    await until('0:0..2 processed', () => g.processed.length === 3);
    await until('0:0..2 committed', () => one.committed.some((c) => c.some((o) => o.partition === 0 && o.offset === '3')));
    await one.deliver('t', 0, [3, 4]); // processed, not committed (2 acks < commitEveryN) before the crash
    await until('0:3..4 processed', () => g.processed.length === 5);
    await one.failWhileRunning(connectionError());
    await until('a second consumer', () => kafka.consumers.length === 2);
    const two = kafka.consumers[1];
    await until('its join', () => two.joining);
    await until('metrics$ to show it waiting, one reconnect', () => g.counters().waiting === 1 && g.counters().reconnects === 1);
    two.endJoin();
    await until('fetching', () => two.fetching);
    await until('waiting back to 0', () => g.counters().waiting === 0);
    // the group's committed offset is 3: the new consumer reads from it
    await two.deliver('t', 0, [3, 4, 5]);
    await until('0:3..5 processed again', () => g.processed.length === 8);
    await until('0:6 committed by the new consumer', () => two.committed.some((c) => c.some((o) => o.partition === 0 && o.offset === '6')));
    expect(one.restarts).toBe(0);
    expect(one.disconnects).toBe(1);
    await g.handle.stop();
    expect(g.processed).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '0:3', '0:4', '0:5']);
    expect(two.disconnects).toBe(1);
  });

  it('a commit failing for a passing reason is sent again later with the latest offsets; the run goes on', async () => {
    const kafka = new FakeKafka();
    kafka.prepare = (c) => c.commitErrors.push(kafkajsError('KafkaJSNumberOfRetriesExceeded', 'Connection error: connect ECONNREFUSED', false));
    const g = graph(kafka, { commitEveryN: 1_000, commitIntervalMs: 200 });
    const consumer = await joined(kafka);
    await consumer.deliver('t', 0, [10, 11]);
    await until('a failed commit, waiting', () => g.counters().commitsFailed === 1 && g.counters().waiting === 1);
    await consumer.deliver('t', 0, [12]);
    await until('the latest offset committed', () => consumer.committed.some((c) => c.some((o) => o.offset === '13')));
    await until('waiting back to 0', () => g.counters().waiting === 0);
    expect(g.processed).toEqual(['0:10', '0:11', '0:12']);
    await g.handle.stop();
    expect(kafka.consumers).toHaveLength(1);
  });

  it('gives up after giveUpAfterMs with a KafkaError naming the topic and what it waited for', async () => {
    const kafka = new FakeKafka();
    kafka.prepare = (c) => (c.connectError = kafkajsError('KafkaJSNumberOfRetriesExceeded', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', false));
    const startedAt = Date.now();
    const { handle } = graph(kafka, { giveUpAfterMs: 800, commitIntervalMs: 50 });
    const error = await handle.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    const tookMs = Date.now() - startedAt;
    expect(error).toBeInstanceOf(KafkaError);
    const e = error as KafkaError;
    expect(e.message).toMatch(/gave up consuming t in group g after 800 ms waiting for the brokers and the coordinator of group g: .*ECONNREFUSED/);
    expect(e.topic).toBe('t');
    expect(e.stage).toBe('source');
    expect(tookMs).toBeGreaterThanOrEqual(800);
    expect(tookMs).toBeLessThan(3_000);
    expect(kafka.consumers.length).toBeGreaterThan(1); // it tried again meanwhile
    await sleep(100);
    for (const c of kafka.consumers) expect(c.disconnects).toBe(1);
  });

  it('a failure that will not pass (authentication) fails the run at once', async () => {
    const kafka = new FakeKafka();
    kafka.prepare = (c) => (c.connectError = kafkajsError('KafkaJSSASLAuthenticationError', 'SASL PLAIN authentication failed', false));
    const { handle } = graph(kafka);
    await expect(handle.done).rejects.toThrow(/cannot consume t in group g: SASL PLAIN authentication failed/);
    expect(kafka.consumers).toHaveLength(1);
  });

  it('stop() while waiting between consumers ends at once and makes no new one', async () => {
    const kafka = new FakeKafka();
    kafka.prepare = (c) => (c.connectError = connectionError());
    const g = graph(kafka);
    await until('the first failure', () => g.counters().waiting === 1);
    const stoppedAt = Date.now();
    await g.handle.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(300);
    const made = kafka.consumers.length;
    await sleep(700); // longer than the first backoff
    expect(kafka.consumers).toHaveLength(made);
  });

  it('close is safe twice: stop() twice and an abort after stop disconnect once', async () => {
    const kafka = new FakeKafka();
    const g = graph(kafka);
    const consumer = await joined(kafka);
    const a = g.handle.stop();
    const b = g.handle.stop();
    g.handle.abort('late');
    await Promise.allSettled([a, b]);
    expect(consumer.disconnects).toBe(1);
  });

  it('maxUnacknowledged = N with a sink holding acks: emits exactly N, waits (heartbeating) and resumes as acks come back; the age gauge grows while held', async () => {
    const kafka = new FakeKafka();
    const g = holdingGraph(kafka, { maxUnacknowledged: 5, commitEveryN: 1, commitIntervalMs: 20, heartbeatIntervalMs: 50 });
    const consumer = await joined(kafka);
    await consumer.deliver('t', 0, [0, 1, 2]); // taken whole: 3 out
    const second = consumer.deliver('t', 0, [3, 4, 5, 6]); // room for 2: emitted in part, the rest waits
    await until('5 records emitted', () => g.processed.length === 5);
    await until('the gauge to show 5 unacknowledged', () => g.counters().unacknowledged === 5);
    await sleep(150);
    expect(g.processed).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4']); // exactly N, then it waits
    expect(await settled(second)).toBe(false); // the batch is held...
    expect(consumer.heartbeats).toBeGreaterThanOrEqual(2); // ...and the consumer heartbeats meanwhile: it stays in its group
    expect(g.counters().splitBatches).toBe(1);
    expect(g.counters().records).toBe(5);
    expect(consumer.committed).toEqual([]); // nothing acknowledged, nothing committed
    const age = g.counters().oldestUnacknowledgedMs ?? 0;
    expect(age).toBeGreaterThanOrEqual(100);
    await sleep(300);
    expect(g.counters().oldestUnacknowledgedMs ?? 0).toBeGreaterThanOrEqual(age + 200); // grows while held
    expect(g.processed).toHaveLength(5);

    g.release(2); // 0:0 and 0:1 processed: room for 2 more
    await until('0:5 and 0:6 emitted', () => g.processed.length === 7);
    await second; // the whole batch was taken
    expect(g.processed.slice(5)).toEqual(['0:5', '0:6']);
    await until('0:0..1 committed', () => consumer.committed.some((c) => c.some((o) => o.offset === '2')));
    await until('the gauge to show 5 unacknowledged again', () => g.counters().unacknowledged === 5);
    const third = consumer.deliver('t', 0, [7]);
    await sleep(100);
    expect(g.processed).toHaveLength(7); // at the bound again
    expect(await settled(third)).toBe(false);

    g.release();
    await third;
    await until('0:7 emitted', () => g.processed.length === 8);
    g.release();
    await until('everything committed', () => consumer.committed.some((c) => c.some((o) => o.offset === '8')));
    await until('the gauges back to 0', () => g.counters().unacknowledged === 0 && g.counters().oldestUnacknowledgedMs === 0);
    await g.handle.stop();
    expect(g.processed).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '0:5', '0:6', '0:7']);
  });

  it('maxUnacknowledged counts over all partitions; acks of any partition make room', async () => {
    const kafka = new FakeKafka();
    const g = holdingGraph(kafka, { maxUnacknowledged: 4, commitIntervalMs: 20 });
    const consumer = await joined(kafka);
    await consumer.deliver('t', 0, [10, 11, 12]);
    const p1 = consumer.deliver('t', 1, [20, 21]);
    await until('4 records emitted', () => g.processed.length === 4);
    await sleep(50);
    expect(g.processed).toEqual(['0:10', '0:11', '0:12', '1:20']);
    g.release(1); // 0:10
    await p1;
    await until('1:21 emitted', () => g.processed.length === 5);
    g.release();
    await until('both partitions committed', () => {
      const last = new Map(consumer.committed.flat().map((o) => [o.partition, o.offset]));
      return last.get(0) === '13' && last.get(1) === '22';
    });
    await g.handle.stop();
  });

  it('a rebalance frees the bound: records of partitions given up stop counting (their late acks are ignored)', async () => {
    const kafka = new FakeKafka();
    const g = holdingGraph(kafka, { maxUnacknowledged: 3, commitIntervalMs: 20, drainOnRebalanceMs: 0 });
    const consumer = await joined(kafka);
    const batch = consumer.deliver('t', 0, [0, 1, 2, 3, 4]);
    await until('3 records emitted', () => g.processed.length === 3);
    consumer.rejoin({ t: [1] }); // partition 0 moves to another member
    await batch; // withdrawn: 0:3 and 0:4 were never emitted
    await until('the gauge back to 0', () => g.counters().unacknowledged === 0);
    await consumer.deliver('t', 1, [0, 1]);
    await until('partition 1 emitted', () => g.processed.length === 5);
    g.release(3); // late acks of the records given up: ignored
    await sleep(60);
    expect(consumer.committed).toEqual([]);
    g.release();
    await until('1:0..1 committed', () => consumer.committed.some((c) => c.some((o) => o.partition === 1 && o.offset === '2')));
    expect(consumer.committed.flat().some((o) => o.partition === 0)).toBe(false);
    expect(g.counters().rebalances).toBe(1);
    await g.handle.stop();
  });

  it('a partition kept across a rebalance: its records in flight are not emitted again, and are committed when acknowledged', async () => {
    const kafka = new FakeKafka();
    const g = holdingGraph(kafka, { commitIntervalMs: 20, drainOnRebalanceMs: 0 });
    const consumer = await joined(kafka);
    await consumer.deliver('t', 0, [0, 1, 2]);
    await until('3 records emitted', () => g.processed.length === 3);
    consumer.rejoin({ t: [0, 1] }); // kafkajs learnt of it itself: no drain, partition 0 stays here
    await consumer.deliver('t', 0, [0, 1, 2, 3, 4]); // kafkajs fetches it again from the committed offset
    await until('0:3 and 0:4 emitted', () => g.processed.length === 5);
    expect(g.processed).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4']); // 0:0..2 were in flight: passed over
    await until('the counter of records passed over', () => g.counters().inFlightAgain === 3);
    g.release();
    await until('0:0..4 committed', () => consumer.committed.some((c) => c.some((o) => o.partition === 0 && o.offset === '5')));
    await g.handle.stop();
  });

  it('a heartbeat saying "rebalance in progress" drains: nothing more emitted, acks awaited (heartbeating), committed, then kafkajs rejoins', async () => {
    const kafka = new FakeKafka();
    const g = holdingGraph(kafka, { maxUnacknowledged: 3, commitIntervalMs: 60_000, commitEveryN: 1_000, heartbeatIntervalMs: 20 });
    const consumer = await joined(kafka);
    await consumer.deliver('t', 0, [0, 1, 2]);
    await until('3 records emitted', () => g.processed.length === 3);
    consumer.heartbeatError = kafkajsProtocolError('REBALANCE_IN_PROGRESS');
    const beats = consumer.heartbeats;
    const held = consumer.deliver('t', 1, [0, 1]); // offered; not emitted (3 acks held, at the bound)...
    await sleep(30);
    // ...so eachBatch heartbeats, hears of the rebalance and drains: the offer is withdrawn
    const outcome = held.then(() => undefined, (e: unknown) => e);
    await sleep(100);
    expect(await settled(held)).toBe(false); // kafkajs cannot rejoin yet: eachBatch holds it
    expect(consumer.heartbeats).toBeGreaterThan(beats + 1); // it keeps heartbeating while it drains
    g.release(2);
    await sleep(50);
    expect(await settled(held)).toBe(false);
    expect(consumer.committed).toEqual([]);
    g.release(); // the last one in flight
    const error = await outcome;
    expect((error as { type?: string }).type).toBe('REBALANCE_IN_PROGRESS'); // handed back to kafkajs, which rejoins
    expect(consumer.committed).toEqual([[{ topic: 't', partition: 0, offset: '3' }]]); // committed before the rejoin
    expect(g.processed).toEqual(['0:0', '0:1', '0:2']); // the batch on offer was not emitted
    await until('the drain counted', () => g.counters().drains === 1);
    consumer.rejoin({ t: [1] });
    await consumer.deliver('t', 1, [0, 1]);
    await until('partition 1 emitted after the rejoin', () => g.processed.length === 5);
    await g.handle.stop();
  });

  it('the drain gives up after drainOnRebalanceMs: what was acknowledged is committed, the rest is left to the next owner', async () => {
    const kafka = new FakeKafka();
    const g = holdingGraph(kafka, { commitIntervalMs: 60_000, heartbeatIntervalMs: 20, drainOnRebalanceMs: 150 });
    const consumer = await joined(kafka);
    await consumer.deliver('t', 0, [0, 1, 2]);
    await until('3 records emitted', () => g.processed.length === 3);
    g.release(1);
    consumer.heartbeatError = kafkajsProtocolError('REBALANCE_IN_PROGRESS');
    const startedAt = Date.now();
    const error = await consumer.deliver('t', 1, [0]).then(() => undefined, (e: unknown) => e);
    expect((error as { type?: string }).type).toBe('REBALANCE_IN_PROGRESS');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(150);
    expect(consumer.committed).toEqual([[{ topic: 't', partition: 0, offset: '1' }]]);
    await until('the drain timeout counted', () => g.counters().drainTimeouts === 1);
    consumer.rejoin({ t: [] }); // both partitions move: what is still in flight is the next owners' to read
    await until('the gauge back to 0', () => g.counters().unacknowledged === 0);
    await g.handle.stop();
  });
});
