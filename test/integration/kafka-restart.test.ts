// kafkaSource against broker restarts and outages, and stop() during the first join, with
// the real broker and graphs in child processes (fixtures/kafka-graph-child.ts).
//
// These tests stop and start the shared local Kafka JVM: run them only under the services
// lock, `flock /tmp/dendrites-services.lock npx vitest run test/integration/kafka-restart.test.ts`.
// Every test that stops the broker starts it again in a finally block.
//
// The graph processes run with NODE_ENV=production, so kafkajs uses its production retry
// settings (5 retries from 300 ms), as a deployed graph does, not its test ones.
import type { Admin } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, newKafka, randomName } from './env.js';
import { ensureBrokerRunning, startBroker, stopBroker } from './fixtures/kafka-broker.js';
import { type GraphChild, startChild } from './fixtures/kafka-child.js';
import { committed, createTopic, endOffsets, produceCommands, until } from './fixtures/kafka-helpers.js';

const DOWN_MS = 10_000;

let admin: Admin;
const topics: string[] = [];
const children: GraphChild[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fresh admin client: the one connected before a broker restart may hold dead connections. */
async function reconnectAdmin(): Promise<void> {
  await admin?.disconnect().catch(() => undefined);
  admin = newKafka().admin();
  await admin.connect();
}
const topic = async (prefix: string, partitions: number): Promise<string> => {
  const name = randomName(prefix);
  await createTopic(admin, name, partitions);
  topics.push(name);
  return name;
};
const child = (env: Record<string, string>): GraphChild => {
  const c = startChild({ KAFKA_BROKERS: kafkaBrokers().join(','), NODE_ENV: 'production', ...env });
  children.push(c);
  return c;
};
/** Every "partition:offset" below the end offsets. */
const all = (ends: Map<number, bigint>): string[] => [...ends].flatMap(([p, high]) => Array.from({ length: Number(high) }, (_, o) => `${p}:${o}`));
const missing = (ends: Map<number, bigint>, processed: ReadonlyMap<string, string>): string[] => all(ends).filter((k) => !processed.has(k));
const allCommitted = async (group: string, t: string, ends: Map<number, bigint>): Promise<boolean> => [...(await committed(admin, group, t))].every(([p, c]) => c === ends.get(p));
/** Resolves with the exit code, or 'running' if the process is still alive after `ms`. */
const exitWithin = (c: GraphChild, ms: number): Promise<number | null | 'running'> => Promise.race([c.exited, sleep(ms).then(() => 'running' as const)]);

beforeAll(async () => {
  await ensureBrokerRunning();
  await reconnectAdmin();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  await ensureBrokerRunning();
});
afterAll(async () => {
  await ensureBrokerRunning();
  await reconnectAdmin();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

describe('kafkaSource rides out broker restarts (real broker)', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    const name = signal === 'SIGKILL' ? '(a) broker SIGKILLed' : '(b) broker stopped (SIGTERM)';
    it(`${name} for ~10 s under a running graph: the graph keeps running, every record processed, all offsets committed`, async () => {
      const t = await topic(`restart_${signal.toLowerCase()}`, 3);
      const dlq = await topic('dlq', 1);
      const before = 3_000;
      await produceCommands(t, 0, before);
      const GROUP = randomName('gr');
      const c = child({ TOPIC: t, DLQ: dlq, GROUP, DELAY_MS: '2' });
      await until('consumption to start', () => c.processed.size >= 300, 60_000);
      let upAt = 0;
      let processedWhileDown = 0;
      let waitingSeen = false;
      // The gauge turns to 1 at the first failure the loop sees, after kafkajs' own retries (~10 s):
      // it may show only after the broker is back, until the new consumer has joined.
      const watch = setInterval(() => (waitingSeen ||= c.last?.counters.waiting === 1), 100);
      try {
        await stopBroker(signal);
        const downAt = Date.now();
        const atDown = c.processed.size;
        while (Date.now() - downAt < DOWN_MS) {
          await sleep(250);
          if (c.proc.exitCode !== null) break;
        }
        processedWhileDown = c.processed.size - atDown; // what was fetched before the broker went
        expect(c.proc.exitCode, `the graph exited while the broker was down: ${c.stderr}`).toBeNull();
        await startBroker();
        upAt = Date.now();
      } finally {
        await ensureBrokerRunning();
      }
      await reconnectAdmin();
      const after = 1_000;
      await produceCommands(t, before, before + after); // records produced after the restart, too
      const ends = await endOffsets(admin, t);
      expect([...ends.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(before + after));
      await until('every record processed', () => missing(ends, c.processed).length === 0, 180_000);
      clearInterval(watch);
      await until('every offset committed', () => allCommitted(GROUP, t, ends), 60_000);
      expect(c.proc.exitCode, c.stderr).toBeNull(); // it never exited
      await until('metrics$ to show it is not waiting any more', () => c.last?.counters.waiting === 0, 10_000);
      const firstAfterUp = Math.min(...[...c.processedAt.values()].filter((at) => at >= upAt));
      c.proc.kill('SIGTERM');
      expect(await c.exited).toBe(0);
      expect(missing(ends, c.processed)).toEqual([]);
      expect(waitingSeen).toBe(true); // the waiting gauge showed the outage
      const counters = c.last?.counters ?? {};
      console.log(
        `${name}: ${before + after} records produced, ${c.processed.size} distinct processed (lost 0), ${c.duplicates} processed again; ` +
          `${processedWhileDown} processed while the broker was down; first record processed ${((firstAfterUp - upAt) / 1000).toFixed(1)} s after the broker was healthy again; ` +
          `counters ${JSON.stringify(counters)}`,
      );
    });
  }

  it('(d) a graph started while the broker is down waits, then processes everything once it is back', async () => {
    const t = await topic('restart_down', 3);
    const dlq = await topic('dlq', 1);
    const N = 1_500;
    await produceCommands(t, 0, N);
    const GROUP = randomName('gd');
    let c: GraphChild | undefined;
    let upAt = 0;
    try {
      await stopBroker('SIGTERM');
      c = child({ TOPIC: t, DLQ: dlq, GROUP });
      const started = c;
      await until('metrics$ to show it waiting', () => started.last?.counters.waiting === 1 || started.proc.exitCode !== null, 30_000);
      await sleep(DOWN_MS);
      expect(c.proc.exitCode, `the graph exited while the broker was down: ${c.stderr}`).toBeNull();
      expect(c.last?.counters.waiting).toBe(1);
      expect(c.processed.size).toBe(0);
      await startBroker();
      upAt = Date.now();
    } finally {
      await ensureBrokerRunning();
    }
    await reconnectAdmin();
    const ends = await endOffsets(admin, t);
    await until('every record processed', () => missing(ends, c.processed).length === 0, 180_000);
    await until('every offset committed', () => allCommitted(GROUP, t, ends), 60_000);
    await until('metrics$ to show it is not waiting any more', () => c.last?.counters.waiting === 0, 10_000);
    const firstAfterUp = Math.min(...c.processedAt.values());
    c.proc.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    console.log(
      `(d) started with the broker down: waited, then processed ${c.processed.size} of ${N} (lost 0) starting ${((firstAfterUp - upAt) / 1000).toFixed(1)} s ` +
        `after the broker was healthy; counters ${JSON.stringify(c.last?.counters ?? {})}`,
    );
  });
});

describe('kafkaSource stop() during the first connect or join (real broker)', () => {
  for (const stopAt of ['connect', 'join'] as const) {
    it(`(c) stop() during the first ${stopAt}: done settles quickly, the process exits by itself, a second graph in the group reads all partitions`, async () => {
      const t = await topic(`stop_${stopAt}`, 4);
      const dlq = await topic('dlq', 1);
      await produceCommands(t, 0, 100);
      const GROUP = randomName('gc');
      const first = child({ TOPIC: t, DLQ: dlq, GROUP, STOP_AT: stopAt });
      const code = await exitWithin(first, 20_000);
      expect(code, `the first graph did not exit by itself; events ${first.events.join(' | ')}; ${first.stderr}`).toBe(0);
      expect(first.events[0]).toBe(`STOP ${stopAt}`);
      const doneLine = first.events.find((e) => e.startsWith('DONE '));
      const doneMs = Number(doneLine?.split(' ')[1]);
      expect(doneMs).toBeLessThan(3_000); // not the 10 s close timeout
      const [group] = (await admin.describeGroups([GROUP])).groups;
      expect(group.members).toHaveLength(0); // no consumer of the first graph left in the group
      await produceCommands(t, 100, 300);
      const ends = await endOffsets(admin, t);
      const second = child({ TOPIC: t, DLQ: dlq, GROUP });
      await until('the second graph to process every record', () => missing(ends, second.processed).length === 0, 60_000);
      await until('every offset committed', () => allCommitted(GROUP, t, ends), 30_000);
      const partitions = new Set([...second.processed.keys()].map((k) => k.split(':')[0]));
      expect([...partitions].sort()).toEqual(['0', '1', '2', '3']);
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      console.log(
        `(c) stop() during the first ${stopAt}: done ${doneMs} ms after stop(), process exited by itself (code ${String(code)}), group left with 0 members; ` +
          `the second graph processed ${second.processed.size} records on partitions {${[...partitions].sort().join(',')}}`,
      );
    });
  }
});
