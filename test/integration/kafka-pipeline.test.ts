// Kafka stages against the real broker: fan-out with the commit rule, a failing sink,
// poison messages to the dead letter, schema evolution. Random topic and group names.
import avro from 'avsc';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcast, forEach, graph } from 'dendrites';
import { consumerRecordsDequeue, DEAD_LETTER_HEADERS, deadLetter, kafkaSource, type Valid } from 'dendrites/kafka';
import { avroDeserializer } from 'dendrites/avro';
import { type Command, commandSchema, commandType, validateCommand } from 'dendrites/samples/money-transfer';
import { kafkaBrokers, newKafka, randomName } from './env.js';
import { command, committed, createTopic, endOffsets, produce, produceCommands, until } from './fixtures/kafka-helpers.js';

let admin: Admin;
const topics: string[] = [];
const topic = async (prefix: string, partitions: number): Promise<string> => {
  const name = randomName(prefix);
  await createTopic(admin, name, partitions);
  topics.push(name);
  return name;
};

beforeAll(async () => {
  admin = newKafka().admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

/** kafkaSource → dequeue → avroDeserializer → deadLetter → broadcast → two sinks. */
function commandGraph(opts: { topic: string; dlq: string; groupId: string; sinkA: (c: Valid<Command>) => unknown; sinkB: (c: Valid<Command>) => unknown; reader?: avro.Schema }) {
  return graph((b) => {
    const fanout = b.add(broadcast<Valid<Command>>(2), 'fanout');
    b.connect(
      kafkaSource({ brokers: kafkaBrokers(), groupId: opts.groupId, topics: [opts.topic], fromBeginning: true, commitEveryN: 500, commitIntervalMs: 500 }).named('source'),
      consumerRecordsDequeue(),
      avroDeserializer<Command>(opts.reader ?? commandType, { validate: validateCommand }).named('decode'),
      deadLetter<Command>({ brokers: kafkaBrokers(), topic: opts.dlq }).named('deadLetter'),
      fanout,
    );
    b.connect(fanout, b.add(forEach(opts.sinkA), 'service'));
    b.connect(fanout, b.add(forEach(opts.sinkB, { parallelism: 4 }), 'eventLog'));
  });
}

async function allCommitted(groupId: string, t: string): Promise<boolean> {
  const [c, e] = await Promise.all([committed(admin, groupId, t), endOffsets(admin, t)]);
  return [...e].every(([p, high]) => c.get(p) === high);
}

describe('kafkaSource → broadcast (real broker)', () => {
  it('(1) 20,000 Avro commands on 6 partitions reach both sinks and every offset ends committed', async () => {
    const t = await topic('cmds', 6);
    const dlq = await topic('dlq', 1);
    const N = 20_000;
    const started = Date.now();
    expect(await produceCommands(t, 0, N)).toBe(N);
    const produced = Date.now();
    const a = new Map<string, number>();
    const b = new Map<string, number>();
    const groupId = randomName('g1');
    const handle = commandGraph({
      topic: t,
      dlq,
      groupId,
      sinkA: (c) => void a.set(c.value.id, (a.get(c.value.id) ?? 0) + 1),
      sinkB: async (c) => void b.set(c.value.id, (b.get(c.value.id) ?? 0) + 1),
    }).run();
    await until('both sinks to see every command', () => a.size === N && b.size === N, 90_000);
    const consumed = Date.now();
    await handle.stop();
    expect(await allCommitted(groupId, t)).toBe(true);
    for (let i = 0; i < N; i++) {
      expect(a.get(`c${i}`)).toBeGreaterThanOrEqual(1);
      expect(b.get(`c${i}`)).toBeGreaterThanOrEqual(1);
    }
    const dupes = [...a.values()].filter((n) => n > 1).length;
    console.log(`(1) produced ${N} in ${produced - started} ms, consumed by both sinks in ${consumed - produced} ms, duplicates ${dupes}`);
    expect(dupes).toBe(0); // no crash, no rebalance: exactly once per sink
  });

  it('(7) a sink failing on one record fails the graph, leaves its offset uncommitted, and it is processed again after a restart', async () => {
    const t = await topic('fail', 3);
    const dlq = await topic('dlq', 1);
    const N = 3_000;
    await produceCommands(t, 0, N);
    const groupId = randomName('g7');
    const poison = 'c1234';
    let failedAt: { partition: number; offset: bigint } | undefined;
    const first = commandGraph({
      topic: t,
      dlq,
      groupId,
      sinkA: (c) => {
        if (c.value.id === poison) {
          failedAt = { partition: c.record.partition, offset: BigInt(c.record.offset) };
          throw new Error('service down');
        }
      },
      sinkB: () => undefined,
    }).run();
    await expect(first.done).rejects.toThrow(/service down/);
    expect(failedAt).toBeDefined();
    const after = await committed(admin, groupId, t);
    const c = after.get(failedAt!.partition) ?? -1n;
    expect(c).toBeLessThanOrEqual(failedAt!.offset); // the failed record is not committed
    const seen = new Set<string>();
    const second = commandGraph({ topic: t, dlq, groupId, sinkA: (x) => void seen.add(x.value.id), sinkB: () => undefined }).run();
    await until('the failed command to be processed again', () => seen.has(poison), 60_000);
    await until('every offset committed', () => allCommitted(groupId, t), 60_000);
    await second.stop();
    console.log(`(7) failed at partition ${failedAt!.partition} offset ${failedAt!.offset}; committed there before restart: ${c}; reprocessed after restart: ${seen.size}`);
  });

  it('(4) 1% poison messages end in the dead-letter topic with the error; the good ones are all processed; the graph goes on', async () => {
    const t = await topic('poison', 3);
    const dlq = await topic('dlq', 1);
    const N = 5_000;
    const wrongSchema = avro.Type.forSchema({ type: 'record', name: 'Other', fields: [{ name: 'n', type: 'long' }, { name: 's', type: 'string' }] });
    const poisonIds = new Set<number>();
    const messages = Array.from({ length: N }, (_, i) => {
      if (i % 100 !== 37) return { key: `c${i}`, value: commandType.toBuffer(command(i)) };
      poisonIds.add(i);
      const kind = poisonIds.size % 3;
      const value =
        kind === 0
          ? Buffer.from(Array.from({ length: 1 + (i % 40) }, (_, k) => (i * 31 + k * 7) % 256)) // random bytes
          : kind === 1
            ? wrongSchema.toBuffer({ n: i, s: 'not a command' }) // another schema
            : commandType.toBuffer({ ...command(i), action: 'close-account' }); // unknown action
      return { key: `c${i}`, value };
    });
    await produce(t, messages);
    const groupId = randomName('g4');
    const good = new Set<string>();
    const handle = commandGraph({ topic: t, dlq, groupId, sinkA: (c) => void good.add(c.value.id), sinkB: () => undefined }).run();
    await until('every good command', () => good.size === N - poisonIds.size, 60_000);
    await until('every offset committed (poison included)', () => allCommitted(groupId, t), 30_000);
    let counters: Readonly<Record<string, number>> = {};
    handle.metrics$.subscribe((m) => (counters = m.stages.find((s) => s.stage === 'deadLetter')?.counters ?? {}));
    await handle.stop(); // metrics$ emits a last snapshot at the end
    // read the dead letters back
    const consumer = newKafka().consumer({ groupId: randomName('dlqreader') });
    const dead: { key: string; error: string; offset: string; stage: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [dlq], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const h = (n: string): string => String(message.headers?.[n] ?? '');
        dead.push({ key: String(message.key), error: h(DEAD_LETTER_HEADERS.error), offset: h(DEAD_LETTER_HEADERS.sourceOffset), stage: h(DEAD_LETTER_HEADERS.stage) });
        expect(h(DEAD_LETTER_HEADERS.sourceTopic)).toBe(t);
        expect(message.value).toEqual(messages[Number(String(message.key).slice(1))].value); // original bytes
      },
    });
    await until('every dead letter', () => dead.length >= poisonIds.size, 30_000);
    await consumer.disconnect();
    expect(new Set(dead.map((d) => d.key))).toEqual(new Set([...poisonIds].map((i) => `c${i}`)));
    expect(dead.every((d) => d.error.length > 0 && d.stage === 'decode' && d.offset !== '')).toBe(true);
    expect(counters.deadLettered).toBe(poisonIds.size);
    console.log(`(4) ${poisonIds.size} poison of ${N}: all dead-lettered (e.g. "${dead[0].error}", "${dead.find((d) => /unknown action/.test(d.error))?.error}"), ${good.size} good processed`);
  });

  it('(6) schema evolution: v1 records are read with a v2 reader whose new field has a default', async () => {
    const t = await topic('evolve', 2);
    const dlq = await topic('dlq', 1);
    const schema = commandSchema as { fields: unknown[] } & Record<string, unknown>;
    const v2: avro.Schema = { ...schema, fields: [...schema.fields, { name: 'source', type: 'string', default: 'legacy' }] } as avro.Schema;
    const v2Type = avro.Type.forSchema(v2);
    const old = Array.from({ length: 100 }, (_, i) => ({ key: `c${i}`, value: commandType.toBuffer(command(i)) }));
    await produce(t, old);
    const seen = new Map<string, string>();
    const groupId = randomName('g6');
    const g = graph((b) => {
      b.connect(
        kafkaSource({ brokers: kafkaBrokers(), groupId, topics: [t], fromBeginning: true }),
        consumerRecordsDequeue(),
        avroDeserializer<Command & { source: string }>(v2Type, { writerSchema: commandType, validate: validateCommand }),
        deadLetter<Command & { source: string }>({ brokers: kafkaBrokers(), topic: dlq }),
        b.add(forEach((c: Valid<Command & { source: string }>) => void seen.set(c.value.id, c.value.source)), 'sink'),
      );
    });
    const handle = g.run();
    await until('100 evolved commands', () => seen.size === 100, 30_000);
    await handle.stop();
    expect(new Set(seen.values())).toEqual(new Set(['legacy']));
  });
});
