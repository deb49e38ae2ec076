/**
 * `dendrites demo [--domain D] [--commands N]` (npm run demo): the main job of the product,
 * end to end, for a sample (money-transfer by default, or inventory) or a module of yours
 * that exports a `demo`. Brings the local services up (or uses the configured ones),
 * creates a topic and a keyspace (the library's tables and the domain's), produces the
 * setup commands and then N commands, runs the command graph in a child process, SIGKILLs
 * it part-way (after commits, with records in flight) and restarts it so commands are
 * redelivered, runs the compensation job (twice: the second changes nothing), and checks
 * the state against the unique commands. The last line is one JSON object; the exit code
 * is 0 only when the state is right.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createKeyspace, type CqlClient, dropKeyspace } from 'dendrites/cassandra';
import { type KafkaAdmin, kafkaAdmin } from 'dendrites/kafka';
import { compensate, createCqrsTables } from 'dendrites/cqrs';
import { servicesUp } from '../../services/services.js';
import { parse } from './args.js';
import { cliCassandra, cliKafka } from './connect.js';
import { commandGraph, WIRINGS } from './run.js';
import { summaryLines } from './compensate.js';
import { crashAndRecover } from './demo-steps.js';
import { DOMAIN_HELP, demoOf, domainSpec, loadDomain } from './domains.js';

export const DEMO_USAGE = `usage: dendrites demo [--domain D] [--commands N] [--partitions N] [--wiring parallel|series] [--seed S] [--out DIR] [--keep]
  N commands (default 10000) of domain D (default money-transfer) after its setup commands, a real crash (SIGKILL)
  part-way, a restart with redelivery, the compensation job (twice); prints the figures and a JSON line;
  exit 0 iff the state equals that of each unique command applied once.
  ${DOMAIN_HELP}`;

async function cleanUp(admin: KafkaAdmin, client: CqlClient, names: { readonly topic: string; readonly keyspace: string }): Promise<void> {
  await dropKeyspace(client, names.keyspace);
  await admin.deleteTopics([names.topic, `${names.topic}-dead-letter`]);
}

export async function demoCommand(argv: readonly string[]): Promise<number> {
  const a = parse(argv, { domain: { type: 'string' }, commands: { type: 'string' }, partitions: { type: 'string' }, wiring: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, keep: { type: 'boolean' } });
  const spec = a.string('domain', 'money-transfer');
  a.check(() => domainSpec(spec), spec);
  const commands = a.int('commands', 10_000, 10, 10_000_000);
  const partitions = a.int('partitions', 3, 1, 64);
  const seed = a.int('seed', 42, 0);
  const wiring = a.oneOf('wiring', WIRINGS, 'parallel');
  const outDir = path.resolve(a.string('out', 'demo-output'));
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) a.problem(`--out must be a directory (it is made if missing), but ${outDir} is a file`);
  const keep = a.flag('keep');
  a.done();
  const loaded = await loadDomain(spec);
  const sample = demoOf(loaded, 'demo');
  const { domain } = loaded;
  const log = (line: string): void => console.log(line);

  await servicesUp({ log: (m) => log(`services: ${m}`) });
  const id = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = { topic: `demo_commands_${id}`, keyspace: `demo_${id}`, group: `demo_graph_${id}` };
  const kafka = cliKafka('dendrites-demo', { quiet: true });
  const admin = kafkaAdmin({ kafka });
  const client = cliCassandra();
  await client.connect();
  try {
    const started = Date.now();
    await admin.createTopics([names.topic, `${names.topic}-dead-letter`], { partitions });
    await createKeyspace(client, names.keyspace);
    await createCqrsTables(client, names.keyspace);
    await sample.createTables(client, names.keyspace);
    log(`domain ${domain.name}: topic ${names.topic} (${partitions} partitions), keyspace ${names.keyspace}, ${wiring} wiring`);

    const graph = commandGraph(wiring, { kafka, client, topic: names.topic, groupId: names.group, keyspace: names.keyspace, domain });
    mkdirSync(outDir, { recursive: true });
    const diagram = path.join(outDir, 'graph.mmd');
    writeFileSync(diagram, graph.toMermaid());
    log(`the graph's Mermaid diagram: ${diagram}`);

    const scenario = sample.scenario({ commands, seed });
    const run = await crashAndRecover({ admin, names, wiring, domain: spec, scenario, log });
    const before = await scenario.check(client, names.keyspace);

    const since = started - 1000;
    const first = await compensate({ client, keyspace: names.keyspace, domain, since, until: Date.now() });
    log('compensation job:');
    for (const line of summaryLines(first)) log(`  ${line}`);
    const second = await compensate({ client, keyspace: names.keyspace, domain, since, until: Date.now() });
    log(`second run: compensated ${second.compensated}, unchanged ${second.unchanged} (idempotent: ${second.compensated === 0 ? 'yes' : 'NO'})`);
    const after = await scenario.check(client, names.keyspace);
    log(`state: ${after.checked - after.wrong} of ${after.checked} ${after.unit} equal what the unique commands imply (before the job: ${before.checked - before.wrong})`);
    const result = {
      domain: domain.name,
      commands: scenario.setup.length + scenario.commands.length + scenario.bad.length,
      bad: scenario.bad.length,
      // At least `bad`: a bad record redelivered after the crash is dead-lettered again.
      deadLettered: run.deadLettered,
      deliveries: first.deliveriesApplied,
      duplicates: first.duplicateDeliveries,
      commandsWithDuplicates: first.duplicateEffects,
      auditDuplicates: first.auditDuplicates,
      compensated: first.compensated,
      idempotent: first.idempotent,
      secondRunCompensated: second.compensated,
      checked: after.checked,
      wrongBeforeJob: before.wrong,
      wrong: after.wrong,
      stateCorrect: after.wrong === 0 && second.compensated === 0,
      keyspace: names.keyspace,
      topic: names.topic,
      wiring,
      elapsedMs: Date.now() - started,
    };
    if (!keep) await cleanUp(admin, client, names);
    else log(`kept: keyspace ${names.keyspace}, topic ${names.topic}`);
    console.log(JSON.stringify(result));
    return result.stateCorrect ? 0 : 1;
  } finally {
    await client.shutdown();
    await admin.close();
  }
}
