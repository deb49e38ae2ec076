// The CQRS command graph of the money-transfer sample against local services, a command
// produced twice, then the compensation job. Run: npm run services -- up && npx tsx examples/cqrs-money-transfer.ts
// (KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS and CASSANDRA_LOCAL_DC override the local defaults.)
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { kafkaAdmin } from 'dendrites/kafka';
import { compensate, createCqrsTables, parallelCommandGraph } from 'dendrites/cqrs';
import { balancesOf, commandRecord, createMoneyTransferTables, domain, onceOnlyBalances, parseMoneyCommand, sampleCommands } from 'dendrites/samples/money-transfer';

const list = (value: string | undefined, fallback: string): string[] => (value ?? fallback).split(',');
const kafka = new Kafka({ clientId: 'cqrs-example', brokers: list(process.env.KAFKA_BROKERS, '127.0.0.1:9092'), logLevel: logLevel.ERROR });
const client = new cassandra.Client({ contactPoints: list(process.env.CASSANDRA_CONTACT_POINTS, '127.0.0.1:9042'), localDataCenter: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1' });
const id = Date.now().toString(36);
const topic = `example_commands_${id}`;
const keyspace = `example_${id}`;
const groupId = `example_${id}`;

// Topics, producing and waiting for the group's commits go through the admin of `dendrites/kafka`.
const admin = kafkaAdmin({ kafka });
await client.connect();
await admin.createTopics([topic, `${topic}-dead-letter`], { partitions: 3 });
// The keyspace holds the library's tables (journal, event log) and the sample's (ledger, accounts).
await createKeyspace(client, keyspace);
await createCqrsTables(client, keyspace);
await createMoneyTransferTables(client, keyspace);

// Service and event log in parallel after one fan-out; swap a branch with `service: async (d) => ...`.
const graph = parallelCommandGraph({ kafka, topic, groupId, client, keyspace, domain });
console.log(graph.toMermaid());
const handle = graph.run();
handle.done.catch(() => undefined); // a failure shows in stop() below

const { opens, transfers } = sampleCommands({ accounts: 10, transfers: 500 });
await admin.produce(topic, opens.map(commandRecord)); // accounts first: a transfer naming an unknown account is dead-lettered
await admin.untilCommitted(groupId, topic, { failed: handle.done });
// The first transfer is sent twice (a producer retry, say): the graph applies it twice.
await admin.produce(topic, [...transfers, transfers[0]].map(commandRecord));
await admin.untilCommitted(groupId, topic, { failed: handle.done });
console.log('graph result:', await handle.stop());

const commands = [...opens, ...transfers].map((c) => parseMoneyCommand(c));
const right = async (): Promise<boolean> => {
  const expected = onceOnlyBalances(commands);
  const actual = await balancesOf(client, keyspace, expected.keys());
  return [...expected].every(([account, balance]) => actual.get(account) === balance);
};
console.log(`balances right before the job: ${await right()}`);
const summary = await compensate({ client, keyspace, domain, since: Date.now() - 3_600_000, until: Date.now() });
console.log(`compensation: ${summary.commands} commands, ${summary.duplicateEffects} applied more than once, ${summary.compensated} compensated`);
console.log(`balances right after the job: ${await right()}`);

await dropKeyspace(client, keyspace);
await admin.deleteTopics([topic, `${topic}-dead-letter`]);
await Promise.all([admin.close(), client.shutdown()]);
