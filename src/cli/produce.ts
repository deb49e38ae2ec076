/** `dendrites produce --domain D --topic T [--commands N] [--seed S] [--partitions P] [--no-setup]` */
import { int, parse, required } from './args.js';
import { cliAdmin } from './connect.js';
import { DOMAIN_HELP, demoOf, domainSpec, loadDomain } from './domains.js';

export const PRODUCE_USAGE = `usage: dendrites produce --domain D --topic T [--commands N] [--seed S] [--partitions P] [--no-setup]
  Produces the setup commands of domain D's demo scenario (unless --no-setup), then N commands (default 10000).
  Creates the topic and its dead-letter topic with P partitions (default 3) if missing.
  ${DOMAIN_HELP}
  Kafka: KAFKA_BROKERS (default 127.0.0.1:9092).`;

export async function produceCommand(argv: readonly string[]): Promise<number> {
  const v = parse(argv, { domain: { type: 'string' }, topic: { type: 'string' }, commands: { type: 'string' }, seed: { type: 'string' }, partitions: { type: 'string' }, 'no-setup': { type: 'boolean' } });
  const spec = domainSpec(required(v, 'domain'));
  const topic = required(v, 'topic');
  const commands = int(v, 'commands', 10_000, 0);
  const seed = int(v, 'seed', 42, 0);
  const partitions = int(v, 'partitions', 3, 1, 64);
  const scenario = demoOf(await loadDomain(spec), 'produce').scenario({ commands, seed });
  const admin = cliAdmin('dendrites-produce');
  try {
    await admin.createTopics([topic, `${topic}-dead-letter`], { partitions });
    const setup = v['no-setup'] === true ? 0 : await admin.produce(topic, scenario.setup);
    const main = await admin.produce(topic, scenario.commands);
    console.log(`produced ${setup} setup and ${main} other ${spec} commands to ${topic}`);
  } finally {
    await admin.close();
  }
  return 0;
}
