// A Kafka pipeline against the local services (npm run services -- up):
// produces 1,000 Avro commands (and one poison message), then consumes them in a group:
// kafkaSource → dequeue → avroDeserializer → deadLetter → broadcast → two sinks.
// Run: npx tsx examples/kafka-pipeline.ts [brokers]
import { broadcast, forEach, fromArray, graph } from 'dendrites';
import { consumerRecordsDequeue, deadLetter, kafkaAdmin, kafkaSink, kafkaSource, type Valid } from 'dendrites/kafka';
import { avroDeserializer } from 'dendrites/avro';
import { type Command, commandType, encodeCommand, openAccount, transferMoney, validateCommand } from 'dendrites/samples/money-transfer';

const brokers = (process.argv[2] ?? '127.0.0.1:9092').split(',');
const suffix = Date.now().toString(36);
const topic = `example-commands-${suffix}`;
const dlq = `example-dead-letters-${suffix}`;

const admin = kafkaAdmin({ brokers, logLevel: 'error' });
await admin.createTopics([topic], { partitions: 3 });
await admin.createTopics([dlq]);

// Produce: commands through kafkaSink (idempotent, acks = all), plus one message that is not a command.
const commands: Command[] = Array.from({ length: 1000 }, (_, i) =>
  i % 10 === 0 ? openAccount({ account_id: `acc${i}`, initial_balance: 100 }) : transferMoney({ from_account: `acc${i - (i % 10)}`, to_account: 'acc0', amount: 1 }),
);
const messages = fromArray([...commands.map((c) => ({ key: c.id, value: encodeCommand(c) })), { key: 'poison', value: Buffer.from('not avro') }]);
const { sent } = await messages.runWith(kafkaSink({ brokers, topic })).done;
console.log(`produced ${sent} messages to ${topic}`);

// Consume: each command goes to a "service" and an "event log"; the poison message to the dead letter.
let applied = 0;
let logged = 0;
const g = graph((b) => {
  const fanout = b.add(broadcast<Valid<Command>>(2), 'fanout');
  b.connect(
    kafkaSource({ brokers, groupId: `example-${suffix}`, topics: [topic], fromBeginning: true }).named('commands'),
    consumerRecordsDequeue(),
    avroDeserializer(commandType, { validate: validateCommand }).named('decode'),
    deadLetter<Command>({ brokers, topic: dlq }).named('deadLetter'), // `.named(...)` on a call takes it out of inference: the type is said
    fanout,
  );
  b.connect(fanout, b.add(forEach(async () => void applied++), 'service'));
  b.connect(fanout, b.add(forEach(async () => void logged++, { parallelism: 4 }), 'eventLog'));
});
console.log(g.toMermaid());
const handle = g.run();
handle.metrics$.subscribe((m) => {
  const dl = m.stages.find((s) => s.stage === 'deadLetter');
  if (dl !== undefined && applied === commands.length) console.log(`applied ${applied}, logged ${logged}, dead-lettered ${dl.counters.deadLettered ?? 0}`);
});
while (applied < commands.length || logged < commands.length) await new Promise((r) => setTimeout(r, 100));
await handle.stop(); // drains, commits what was processed, leaves the group
const lag = await admin.lag(`example-${suffix}`, topic);
console.log(`committed: ${lag.partitions.map((p) => `p${p.partition}=${p.committed}`).join(' ')} (lag ${lag.lag})`);
await admin.deleteTopics([topic, dlq]);
await admin.close();
