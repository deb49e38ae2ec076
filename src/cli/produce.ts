/** `dendrites produce --topic T [--commands N] [--accounts N] [--seed S] [--partitions P]` */
import { sampleCommands } from '../domain/sample.js';
import { produceCommands } from '../internal/graphs/produce.js';
import { ensureTopics } from '../internal/graphs/topics.js';
import { int, parse, required } from './args.js';
import { cliKafka } from './connect.js';

export const PRODUCE_USAGE = `usage: dendrites produce --topic T [--commands N] [--accounts N] [--seed S] [--partitions P] [--no-opens]
  Produces --accounts open-account commands (default 100, unless --no-opens), then N transfers (default 10000)
  in Avro (schemas/command.avsc). Creates the topic and its dead-letter topic with P partitions (default 3) if missing.
  Kafka: KAFKA_BROKERS (default 127.0.0.1:9092).`;

export async function produceCommand(argv: readonly string[]): Promise<number> {
  const v = parse(argv, { topic: { type: 'string' }, commands: { type: 'string' }, accounts: { type: 'string' }, seed: { type: 'string' }, partitions: { type: 'string' }, 'no-opens': { type: 'boolean' } });
  const topic = required(v, 'topic');
  const sample = sampleCommands({ transfers: int(v, 'commands', 10_000, 0), accounts: int(v, 'accounts', 100, 2), seed: int(v, 'seed', 42, 0) });
  const kafka = cliKafka('dendrites-produce');
  await ensureTopics(kafka, [topic, `${topic}-dead-letter`], int(v, 'partitions', 3, 1, 64));
  const opens = v['no-opens'] === true ? 0 : await produceCommands(kafka, topic, sample.opens);
  const transfers = await produceCommands(kafka, topic, sample.transfers);
  console.log(`produced ${opens} open-account and ${transfers} transfer-money commands to ${topic}`);
  return 0;
}
