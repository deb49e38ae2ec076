/** `dendrites produce --domain D --topic T [--commands N] [--seed S] [--partitions P] [--no-setup]` */
import { parse } from './args.js';
import { topicOption } from './options.js';
import { cliAdmin } from './connect.js';
import { DOMAIN_HELP, demoOf, domainSpec, loadDomain } from './domains.js';

export const PRODUCE_USAGE = `usage: dendrites produce --domain D --topic T [--commands N] [--seed S] [--partitions P] [--no-setup]
  Produces the setup commands of domain D's demo scenario (unless --no-setup), then N commands (default 10000).
  Creates the topic and its dead-letter topic with P partitions (default 3) if missing.
  ${DOMAIN_HELP}
  Kafka: KAFKA_BROKERS (default 127.0.0.1:9092).`;

export async function produceCommand(argv: readonly string[]): Promise<number> {
  const a = parse(argv, { domain: { type: 'string' }, topic: { type: 'string' }, commands: { type: 'string' }, seed: { type: 'string' }, partitions: { type: 'string' }, 'no-setup': { type: 'boolean' } });
  const spec = a.required('domain');
  if (spec !== '') a.check(() => domainSpec(spec), spec);
  const topic = topicOption(a);
  const commands = a.int('commands', 10_000, 0, 10_000_000);
  const seed = a.int('seed', 42, 0);
  const partitions = a.int('partitions', 3, 1, 64);
  const setup = !a.flag('no-setup');
  a.done();
  const scenario = demoOf(await loadDomain(spec), 'produce').scenario({ commands, seed });
  const admin = cliAdmin('dendrites-produce');
  try {
    await admin.createTopics([topic, `${topic}-dead-letter`], { partitions });
    const setupCount = setup ? await admin.produce(topic, scenario.setup) : 0;
    const main = await admin.produce(topic, scenario.commands);
    console.log(`produced ${setupCount} setup and ${main} other ${spec} commands to ${topic}`);
  } finally {
    await admin.close();
  }
  return 0;
}
