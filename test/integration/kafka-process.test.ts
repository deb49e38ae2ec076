// Kafka graphs in child processes against the real broker: a SIGKILL mid-stream and a
// restart (at-least-once, redelivery from the committed offset), bounded memory and group
// membership under heavy backpressure, two members splitting partitions and handing over.
import type { Admin } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, newKafka, randomName } from './env.js';
import { type GraphChild, startChild } from './fixtures/kafka-child.js';
import { committed, createTopic, endOffsets, produceCommands, until } from './fixtures/kafka-helpers.js';

let admin: Admin;
const topics: string[] = [];
const children: GraphChild[] = [];
const topic = async (prefix: string, partitions: number): Promise<string> => {
  const name = randomName(prefix);
  await createTopic(admin, name, partitions);
  topics.push(name);
  return name;
};
const child = (env: Record<string, string>): GraphChild => {
  const c = startChild({ KAFKA_BROKERS: kafkaBrokers().join(','), ...env });
  children.push(c);
  return c;
};

beforeAll(async () => {
  admin = newKafka().admin();
  await admin.connect();
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
});
afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

const all = (ends: Map<number, bigint>): string[] => [...ends].flatMap(([p, high]) => Array.from({ length: Number(high) }, (_, o) => `${p}:${o}`));

describe('kafka graphs in processes (real broker)', () => {
  it('(2) SIGKILL mid-stream, restart in the same group: none lost, only records at or after the committed offset processed again', async () => {
    const t = await topic('crash', 3);
    const dlq = await topic('dlq', 1);
    const N = 6_000;
    await produceCommands(t, 0, N);
    const GROUP = randomName('g2');
    const env = { TOPIC: t, DLQ: dlq, GROUP, DELAY_MS: '1' };
    const first = child(env);
    await until('the first process to be half-way', () => first.processed.size >= N / 2, 60_000);
    first.proc.kill('SIGKILL');
    await first.exited;
    const afterCrash = await committed(admin, GROUP, t);
    const second = child({ ...env, DELAY_MS: '0' });
    const ends = await endOffsets(admin, t);
    await until('everything processed by the two', () => all(ends).every((k) => first.processed.has(k) || second.processed.has(k)), 60_000);
    await until('every offset committed', async () => [...(await committed(admin, GROUP, t))].every(([p, c]) => c === ends.get(p)), 30_000);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    // the second process read exactly the records at or after each partition's committed offset
    const expectedAgain = all(ends).filter((k) => {
      const [p, o] = k.split(':').map(Number);
      return BigInt(o) >= (afterCrash.get(p) ?? -1n);
    });
    expect([...second.processed.keys()].sort()).toEqual(expectedAgain.sort());
    // every record below the committed offset was processed (and reported) by the first
    for (const [p, c] of afterCrash) for (let o = 0n; o < c; o++) expect(first.processed.has(`${p}:${o}`)).toBe(true);
    const again = [...second.processed.keys()].filter((k) => first.processed.has(k)).length;
    console.log(
      `(2) killed after ${first.processed.size} of ${N}; committed at the kill: ${[...afterCrash].map(([p, c]) => `p${p}=${c}`).join(' ')}; ` +
        `second process: ${second.processed.size} records, of which ${again} processed again (all at/after the committed offset); lost: 0`,
    );
  });

  it('(3) backpressure (20 ms per record): memory stays bounded and the consumer stays in its group', async () => {
    const results: string[] = [];
    for (const backlog of [5_000, 50_000]) {
      const t = await topic('slow', 1);
      const dlq = await topic('dlq', 1);
      await produceCommands(t, 0, backlog);
      const GROUP = randomName('g3');
      // session timeout 6 s: one fetched batch takes far longer than that to process at 20 ms each
      const c = child({ TOPIC: t, DLQ: dlq, GROUP, DELAY_MS: '20', SESSION_TIMEOUT: '6000', HEARTBEAT_INTERVAL: '1000' });
      await until('consumption to start', () => c.processed.size > 0, 30_000);
      await new Promise((r) => setTimeout(r, 14_000));
      const [group] = (await admin.describeGroups([GROUP])).groups;
      c.proc.kill('SIGTERM');
      expect(await c.exited).toBe(0);
      const counters = c.last?.counters ?? {};
      expect(counters.rebalances ?? 0).toBe(0);
      expect(counters.reconnects ?? 0).toBe(0);
      expect(group.state).toBe('Stable');
      expect(group.members).toHaveLength(1);
      expect(c.duplicates).toBe(0);
      const peakMb = (c.last?.peakRss ?? 0) / 2 ** 20;
      results.push(`backlog ${backlog}: processed ${c.processed.size} in ~14 s, peak RSS ${peakMb.toFixed(0)} MiB, rebalances 0`);
      expect(peakMb).toBeLessThan(400);
    }
    console.log(`(3) ${results.join('; ')}`);
  });

  it('(5) two processes in one group split the partitions; stopping one hands its partitions over, nothing lost or stuck', async () => {
    const t = await topic('pair', 6);
    const dlq = await topic('dlq', 1);
    const N = 6_000;
    await produceCommands(t, 0, N);
    const GROUP = randomName('g5');
    const env = { TOPIC: t, DLQ: dlq, GROUP, DELAY_MS: '2' };
    const a = child(env);
    const b = child(env);
    await until('both to process', () => a.processed.size > 300 && b.processed.size > 300, 60_000);
    const partitionsOf = (c: GraphChild): Set<string> => new Set([...c.processed.keys()].map((k) => k.split(':')[0]));
    const [pa, pb] = [partitionsOf(a), partitionsOf(b)];
    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const ends = await endOffsets(admin, t);
    await until('b to take over and finish', () => all(ends).every((k) => a.processed.has(k) || b.processed.has(k)), 90_000);
    await until('every offset committed', async () => [...(await committed(admin, GROUP, t))].every(([p, c]) => c === ends.get(p)), 30_000);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    const overlap = [...b.processed.keys()].filter((k) => a.processed.has(k)).length;
    console.log(`(5) a read partitions {${[...pa].join(',')}}, b read {${[...pb].join(',')}} while both ran; a processed ${a.processed.size}, b ${b.processed.size}, both (redelivered at hand-over) ${overlap}; lost 0`);
    expect([...pa].filter((p) => pb.has(p)).length).toBeLessThan(6); // they split the partitions
  });

  it('(6) a planned scale from 1 to 3 processes and back to 1 while commands flow: every rebalance drains and commits first, nothing is delivered twice', async () => {
    const t = await topic('scale', 6);
    const dlq = await topic('dlq', 1);
    const GROUP = randomName('g6');
    const env = { TOPIC: t, DLQ: dlq, GROUP, DELAY_MS: '2' };
    let produced = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        produced += await produceCommands(t, produced, produced + 100);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const members = [child(env)];
    const [a] = members;
    await until('a to process', () => a.processed.size > 500, 60_000);
    for (const n of [2, 3]) {
      const next = child(env);
      members.push(next);
      await until(`member ${n} to process`, () => next.processed.size > 300, 90_000);
    }
    const sizesAtThree = members.map((m) => m.processed.size);
    for (const leaving of [members[2], members[1]]) {
      const before = a.processed.size;
      leaving.proc.kill('SIGTERM'); // a planned scale-in: the process stops gracefully
      expect(await leaving.exited).toBe(0);
      await until('a to go on after the hand-over', () => a.processed.size > before + 300, 90_000);
    }
    producing = false;
    await producer;
    const ends = await endOffsets(admin, t);
    const union = (k: string): boolean => members.some((m) => m.processed.has(k));
    await until('a to process everything', () => all(ends).every(union), 90_000);
    await until('every offset committed', async () => [...(await committed(admin, GROUP, t))].every(([p, c]) => c === ends.get(p)), 30_000);
    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const deliveries = members.reduce((sum, m) => sum + m.processed.size + m.duplicates, 0);
    const redelivered = deliveries - all(ends).length;
    const counter = (name: string): number => members.reduce((sum, m) => sum + (m.last?.counters[name] ?? 0), 0);
    console.log(
      `(6) ${produced} commands; members processed ${members.map((m) => m.processed.size).join(' / ')} (${sizesAtThree.join(' / ')} when all three ran); ` +
        `rebalances ${counter('rebalances')}, drains ${counter('drains')}, drain timeouts ${counter('drainTimeouts')}, records passed over as in flight ${counter('inFlightAgain')}; redelivered ${redelivered}; lost 0`,
    );
    expect(members.every((m) => m.processed.size > 0)).toBe(true);
    expect(redelivered).toBe(0);
  }, 300_000);
});
