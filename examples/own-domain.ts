// A domain of your own through the CQRS command graph and the compensation job: loyalty points,
// with commands as JSON (a producer of any language can write them), its own table, and a
// command that its producer sent twice. Imports only `dendrites` (plus the clients it connects).
// Run: npm run services -- up && npx tsx examples/own-domain.ts
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { BadInputError } from 'dendrites';
import { createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { kafkaAdmin } from 'dendrites/kafka';
import { compensate, createCqrsTables, defineDomain, parallelCommandGraph } from 'dendrites/cqrs';

/** A command of the loyalty domain, as the producer writes it (JSON). */
type LoyaltyCommand =
  | { readonly id: string; readonly action: 'award-points'; readonly member: string; readonly points: number }
  | { readonly id: string; readonly action: 'set-email'; readonly member: string; readonly email: string };

function parseLoyalty(value: unknown): LoyaltyCommand {
  const v = value as Record<string, unknown>;
  if (typeof v?.id !== 'string' || v.id === '' || typeof v.member !== 'string' || v.member === '') throw new BadInputError('a loyalty command needs an id and a member');
  if (v.action === 'award-points' && Number.isSafeInteger(v.points) && (v.points as number) > 0) return { id: v.id, action: v.action, member: v.member, points: v.points as number };
  if (v.action === 'set-email' && typeof v.email === 'string' && v.email.includes('@')) return { id: v.id, action: v.action, member: v.member, email: v.email };
  throw new BadInputError(`command ${v.id}: not a valid award-points or set-email`);
}

const loyalty = defineDomain({
  name: 'loyalty',
  decode: (value: Buffer) => JSON.parse(value.toString('utf8')) as unknown,
  parse: parseLoyalty,
  commandId: (c) => c.id,
  // One delivery: a points entry of its own (so a duplicate delivery awards twice), or the member's email (an upsert: duplicates are harmless).
  apply: ({ command: c, delivery }, { keyspace }) =>
    c.action === 'award-points'
      ? [{ query: `INSERT INTO ${keyspace}.points (member, entry_id, points) VALUES (?, ?, ?)`, params: [c.member, `${c.id}:${delivery.id}`, c.points] }]
      : [{ query: `INSERT INTO ${keyspace}.members (member, email) VALUES (?, ?)`, params: [c.member, c.email] }],
  events: ({ command: c }) => [{ action: c.action === 'award-points' ? 'points-awarded' : 'email-set', aggregateId: c.member, data: c }],
  // The whole correction of `count` extra deliveries, under a key of the command only.
  compensate: (c, count, { keyspace }) =>
    c.action === 'award-points' ? [{ query: `INSERT INTO ${keyspace}.points (member, entry_id, points) VALUES (?, ?, ?)`, params: [c.member, `comp:${c.id}`, -c.points * count] }] : [],
});

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'own-domain-example', brokers, logLevel: logLevel.ERROR });
const client = new cassandra.Client({ contactPoints: (process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042').split(','), localDataCenter: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1' });
const id = Date.now().toString(36);
const [topic, keyspace, groupId] = [`loyalty_${id}`, `loyalty_${id}`, `loyalty_${id}`];

const admin = kafkaAdmin({ kafka });
await client.connect();
await admin.createTopics([topic, `${topic}-dead-letter`], { partitions: 2 });
await createKeyspace(client, keyspace);
await createCqrsTables(client, keyspace); // the library's event log and journal
await client.execute(`CREATE TABLE ${keyspace}.points (member text, entry_id text, points int, PRIMARY KEY ((member), entry_id))`);
await client.execute(`CREATE TABLE ${keyspace}.members (member text PRIMARY KEY, email text)`);

// The producer retries award c2 an hour later: the same command id, twice in the topic.
const commands = [
  { id: 'c1', action: 'award-points', member: 'ann', points: 10 },
  { id: 'c2', action: 'award-points', member: 'bob', points: 7 },
  { id: 'c3', action: 'set-email', member: 'ann', email: 'ann@example.com' },
  { id: 'c4', action: 'award-points', member: 'ann', points: -5 }, // bad input: goes to the dead letter
];
await admin.produce(topic, commands.map((c) => ({ key: c.member, value: JSON.stringify(c) })));
await admin.produce(topic, [{ key: 'bob', value: JSON.stringify(commands[1]), timestamp: Date.now() + 3_600_000 }]);

const run = parallelCommandGraph({ kafka, topic, groupId, client, keyspace, domain: loyalty }).run();
await admin.untilCommitted(groupId, topic, { failed: run.done });
await run.stop();

const points = async (member: string): Promise<number> =>
  (await client.execute(`SELECT points FROM ${keyspace}.points WHERE member = ?`, [member], { prepare: true })).rows.reduce((sum, r) => sum + Number(r.get('points')), 0);
const before = await points('bob');
const summary = await compensate({ client, keyspace, domain: loyalty, since: Date.now() - 3_600_000, until: Date.now() + 3_600_000 });
const after = { ann: await points('ann'), bob: await points('bob') };
console.log(`bob had ${before} points after the duplicate, ${after.bob} after the job; ann ${after.ann}`);
console.log(JSON.stringify({ compensated: summary.compensated, duplicateDeliveries: summary.duplicateDeliveries, correct: after.ann === 10 && after.bob === 7 }));

await dropKeyspace(client, keyspace);
await admin.deleteTopics([topic, `${topic}-dead-letter`]);
await Promise.all([client.shutdown(), admin.close()]);
process.exit(after.ann === 10 && after.bob === 7 ? 0 : 1);
