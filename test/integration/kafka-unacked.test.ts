// kafkaSource's maxUnacknowledged against the real broker (never mocked): a branch that takes
// elements but holds their acknowledgements stops the source at the bound (what the graph
// holds stays bounded, nothing commits), and releasing the acknowledgements lets every record
// commit (checked with kafkajs' admin). Random topic and group names.
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ack, broadcast, defineSink, forEach, graph, type MetricsSnapshot } from 'dendrites';
import { consumerRecordsDequeue, type KafkaRecord, kafkaSource } from 'dendrites/kafka';
import { drain } from '../../src/core/drain.js';
import { kafkaBrokers, newKafka, randomName } from './env.js';
import { committed, createTopic, endOffsets, produce, until } from './fixtures/kafka-helpers.js';

let admin: Admin;
const topics: string[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  admin = newKafka().admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

/** A branch stuck on something: it takes every element but holds its acknowledgement until `release()`, then acknowledges at once. */
function stuckBranch() {
  const received = new Set<string>();
  const held: Ack[] = [];
  let stuck = true;
  const sink = defineSink<KafkaRecord, void>('stuck', async (upstream, ctx) => {
    await drain(upstream, ctx.inputBuffer, (chunk) => {
      chunk.items.forEach((r, i) => {
        received.add(`${r.partition}:${r.offset}`);
        const ack = chunk.acks?.[i];
        if (ack === undefined) return;
        if (stuck) held.push(ack);
        else ack();
      });
      ctx.metrics.out += chunk.items.length;
    });
  });
  return {
    sink,
    received,
    held,
    release(): void {
      stuck = false;
      held.splice(0).forEach((ack) => ack());
    },
  };
}

describe('kafkaSource maxUnacknowledged (real broker)', () => {
  it('a stuck branch stops the source at the bound, what is held stays bounded, and releasing the acks lets every record commit', async () => {
    const t = randomName('unacked');
    await createTopic(admin, t, 3);
    topics.push(t);
    const N = 3_000;
    const BOUND = 200;
    expect(await produce(t, Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: `v${i}` })))).toBe(N);
    const ends = await endOffsets(admin, t);
    expect([...ends.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(N));
    const groupId = randomName('g_unacked');

    const healthy = new Set<string>();
    const stuck = stuckBranch();
    const handle = graph((b) => {
      const fanout = b.add(broadcast<KafkaRecord>(2), 'fanout');
      b.connect(
        kafkaSource({ brokers: kafkaBrokers(), groupId, topics: [t], fromBeginning: true, maxUnacknowledged: BOUND, commitEveryN: 50, commitIntervalMs: 200 }).named('source'),
        consumerRecordsDequeue(),
        fanout,
      );
      b.connect(fanout, b.add(forEach((r: KafkaRecord) => void healthy.add(`${r.partition}:${r.offset}`)), 'healthy'));
      b.connect(fanout, b.add(stuck.sink, 'stuckBranch'));
    }).run({ metricsIntervalMs: 50 });
    let source: Readonly<Record<string, number>> = {};
    let mostUnacknowledged = 0;
    handle.metrics$.subscribe((m: MetricsSnapshot) => {
      source = m.stages.find((s) => s.stage === 'source')?.counters ?? {};
      mostUnacknowledged = Math.max(mostUnacknowledged, source.unacknowledged ?? 0);
    });
    const groupCommitted = async (): Promise<bigint> => [...(await committed(admin, groupId, t)).values()].reduce((sum, o) => sum + (o > 0n ? o : 0n), 0n);
    const allCommitted = async (): Promise<boolean> => [...(await committed(admin, groupId, t))].every(([p, c]) => c === ends.get(p));

    try {
      await until(`the stuck branch to hold ${BOUND} records`, () => stuck.held.length === BOUND, 60_000);
      await until('the gauge to show the bound', () => source.unacknowledged === BOUND, 5_000);
      const ageAtBound = source.oldestUnacknowledgedMs ?? 0;
      await sleep(3_000); // several heartbeats and commit intervals: the source stays at the bound
      expect(stuck.received.size).toBe(BOUND);
      expect(stuck.held).toHaveLength(BOUND);
      expect(healthy.size).toBeLessThanOrEqual(BOUND);
      expect(source.records).toBe(BOUND); // the source emitted exactly BOUND records, no more
      expect(source.unacknowledged).toBe(BOUND);
      expect(mostUnacknowledged).toBe(BOUND); // never above the bound
      expect(source.oldestUnacknowledgedMs ?? 0).toBeGreaterThanOrEqual(ageAtBound + 2_500); // the age grows while held
      expect(source.waiting).toBe(0); // held by the bound, not waiting for the brokers
      expect(await groupCommitted()).toBe(0n); // no record was processed by both branches: nothing commits

      stuck.release();
      await until('both branches to see every record', () => stuck.received.size === N && healthy.size === N, 90_000);
      await until('every offset committed', allCommitted, 30_000);
      expect(mostUnacknowledged).toBeLessThanOrEqual(BOUND);
      await until('the gauges back to 0', () => source.unacknowledged === 0 && source.oldestUnacknowledgedMs === 0, 5_000);
    } finally {
      await handle.stop();
    }
    expect(await allCommitted()).toBe(true);
    expect(source.records).toBe(N); // one consumer, no rebalance: each record emitted once
  });
});
