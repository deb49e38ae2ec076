/**
 * `dendrites demo [--commands N]` (npm run demo): the main job of the product, end to end.
 * Brings the local services up (or uses the configured ones), creates a topic and a
 * keyspace, produces the open-account commands and then N transfers in Avro, runs the
 * command graph in a child process, SIGKILLs it part-way (after commits, with records in
 * flight) and restarts it so commands are redelivered, runs the compensation job (twice:
 * the second changes nothing), and checks every balance against the unique commands.
 * The last line is one JSON object; the exit code is 0 only when the balances are right.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { servicesUp } from '../../services/services.js';
import { compensate } from '../graphs/compensation-job.js';
import { createMoneyTransferSchema } from '../domain/setup.js';
import { badCommands, sampleCommands } from '../domain/sample.js';
import { dropKeyspace } from '../internal/cassandra/schema.js';
import { ensureTopics } from '../internal/graphs/topics.js';
import { int, oneOf, parse } from './args.js';
import { cliCassandra, cliKafka } from './connect.js';
import { moneyGraph, WIRINGS } from './run.js';
import { summaryLines } from './compensate.js';
import { checkBalances, crashAndRecover } from './demo-steps.js';
import { moneyTransferDomain } from '../domain/command-domain.js';
import type { Kafka } from 'kafkajs';
import type { CqlClient } from '../internal/cassandra/client.js';

export const DEMO_USAGE = `usage: dendrites demo [--commands N] [--accounts N] [--partitions N] [--wiring parallel|series] [--out DIR] [--keep]
  N transfers (default 10000) between --accounts accounts (default 100), a real crash (SIGKILL) part-way,
  a restart with redelivery, one compensation run; prints the figures and a JSON line; exit 0 iff balances are right.`;

async function cleanUp(kafka: Kafka, client: CqlClient, names: { readonly topic: string; readonly keyspace: string }): Promise<void> {
  await dropKeyspace(client, names.keyspace);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [names.topic, `${names.topic}-dead-letter`] }).finally(() => admin.disconnect());
}

export async function demoCommand(argv: readonly string[]): Promise<number> {
  const v = parse(argv, { commands: { type: 'string' }, accounts: { type: 'string' }, partitions: { type: 'string' }, wiring: { type: 'string' }, out: { type: 'string' }, keep: { type: 'boolean' } });
  const transfers = int(v, 'commands', 10_000, 10, 10_000_000);
  const accountCount = int(v, 'accounts', 100, 2, 100_000);
  const partitions = int(v, 'partitions', 3, 1, 64);
  const wiring = oneOf(v, 'wiring', WIRINGS, 'parallel');
  const outDir = path.resolve(typeof v.out === 'string' ? v.out : 'demo-output');
  const log = (line: string): void => console.log(line);

  await servicesUp({ log: (m) => log(`services: ${m}`) });
  const id = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = { topic: `demo_commands_${id}`, keyspace: `demo_${id}`, group: `demo_graph_${id}` };
  const kafka = cliKafka('dendrites-demo');
  const client = cliCassandra();
  await client.connect();
  try {
    const started = Date.now();
    await ensureTopics(kafka, [names.topic, `${names.topic}-dead-letter`], partitions);
    await createMoneyTransferSchema(client, names.keyspace);
    log(`topic ${names.topic} (${partitions} partitions), keyspace ${names.keyspace}, ${wiring} wiring`);

    const graph = moneyGraph(wiring, { kafka, client, topic: names.topic, groupId: names.group, keyspace: names.keyspace, domain: moneyTransferDomain() });
    mkdirSync(outDir, { recursive: true });
    const diagram = path.join(outDir, 'graph.mmd');
    writeFileSync(diagram, graph.toMermaid());
    log(`the graph's Mermaid diagram: ${diagram}`);

    const sample = sampleCommands({ accounts: accountCount, transfers });
    const bad = badCommands(sample.accounts, Math.max(2, Math.floor(transfers / 2000)));
    const run = await crashAndRecover({ kafka, names, wiring, sample, bad, log });
    const before = await checkBalances(client, names.keyspace, [...sample.opens, ...sample.transfers]);

    const since = started - 1000;
    const first = await compensate({ client, keyspace: names.keyspace, since, until: Date.now() });
    log('compensation job:');
    for (const line of summaryLines(first)) log(`  ${line}`);
    const second = await compensate({ client, keyspace: names.keyspace, since, until: Date.now() });
    log(`second run: compensated ${second.compensated}, unchanged ${second.unchanged} (idempotent: ${second.compensated === 0 ? 'yes' : 'NO'})`);
    const balances = await checkBalances(client, names.keyspace, [...sample.opens, ...sample.transfers]);
    log(`balances: ${balances.accounts - balances.wrong} of ${balances.accounts} accounts equal what the unique commands imply (before the job: ${before.accounts - before.wrong})`);
    const result = {
      commands: sample.opens.length + sample.transfers.length + bad.length,
      transfers,
      accounts: sample.accounts.length,
      deadLettered: run.deadLettered,
      deliveries: first.effectRows,
      duplicates: first.duplicateDeliveries,
      commandsWithDuplicates: first.duplicateEffects,
      auditDuplicates: first.auditDuplicates,
      compensated: first.compensated,
      secondRunCompensated: second.compensated,
      balancesCorrect: balances.wrong === 0 && second.compensated === 0,
      keyspace: names.keyspace,
      topic: names.topic,
      wiring,
      elapsedMs: Date.now() - started,
    };
    if (v.keep !== true) await cleanUp(kafka, client, names);
    else log(`kept: keyspace ${names.keyspace}, topic ${names.topic}`);
    console.log(JSON.stringify(result));
    return result.balancesCorrect ? 0 : 1;
  } finally {
    await client.shutdown();
  }
}
