// The CQRS command graph of the money-transfer sample against local services, then the
// compensation job. Run: npm run services -- up && npx tsx examples/cqrs-money-transfer.ts
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { connectionSettings } from '../services/services.js';
import { compensate, createMoneyTransferSchema, moneyTransferDomain, parallelCommandGraph, sampleCommands } from '../src/index.js';
import { ensureTopics } from '../src/internal/graphs/topics.js';
import { produceCommands } from '../src/internal/graphs/produce.js';
import { untilCommitted } from '../src/internal/graphs/committed.js';

const s = connectionSettings();
const kafka = new Kafka({ clientId: 'cqrs-example', brokers: s.kafkaBrokers, logLevel: logLevel.ERROR });
const client = new cassandra.Client({ contactPoints: s.cassandraContactPoints, localDataCenter: s.cassandraLocalDc });
const id = Date.now().toString(36);
const topic = `example_commands_${id}`;
const keyspace = `example_${id}`;
const groupId = `example_${id}`;

await client.connect();
await ensureTopics(kafka, [topic, `${topic}-dead-letter`], 3);
await createMoneyTransferSchema(client, keyspace);

// Service and event log in parallel after one fan-out; swap a branch with `service: async (d) => ...`.
const graph = parallelCommandGraph({ kafka, topic, groupId, client, keyspace, domain: moneyTransferDomain() });
console.log(graph.toMermaid());
const handle = graph.run();

const { opens, transfers } = sampleCommands({ accounts: 10, transfers: 500 });
await produceCommands(kafka, topic, opens); // accounts first: a transfer naming an unknown account is dead-lettered
await untilCommitted(kafka, groupId, topic, 60_000, handle.done);
await produceCommands(kafka, topic, transfers);
await untilCommitted(kafka, groupId, topic, 60_000, handle.done);
console.log('graph result:', await handle.stop());

const summary = await compensate({ client, keyspace, since: Date.now() - 3_600_000, until: Date.now() });
console.log(`compensation: ${summary.commands} commands, ${summary.duplicateEffects} with duplicate effects, ${summary.compensated} compensated`);
await client.execute(`DROP KEYSPACE ${keyspace}`);
await client.shutdown();
