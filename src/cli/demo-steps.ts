/** The demo's steps that need care: a real crash with records in flight, recovery, and the balance check. */
import type { Kafka } from 'kafkajs';
import type { Command } from '../internal/avro/command.js';
import type { CqlClient } from '../internal/cassandra/client.js';
import { balancesOf } from '../domain/ledger.js';
import { onceOnlyBalances, parseMoneyCommand } from '../domain/money-transfer.js';
import type { SampleCommands } from '../domain/sample.js';
import { groupLag, untilCommitted } from '../internal/graphs/committed.js';
import { produceCommands } from '../internal/graphs/produce.js';
import { topicSize } from '../internal/graphs/topics.js';
import { sleep } from '../internal/time.js';
import { type GraphChild, startGraphChild } from './child.js';

export interface CrashRun {
  readonly kafka: Kafka;
  readonly names: { readonly topic: string; readonly keyspace: string; readonly group: string };
  readonly wiring: string;
  readonly sample: SampleCommands;
  readonly bad: readonly Command[];
  readonly log: (line: string) => void;
}

const never = new AbortController().signal;
/** The crash comes once the sink has seen this share of the transfers... */
const KILL_AT = 0.4;
/**
 * ...and commits happen every quarter second, so records processed since the last commit are
 * redelivered. The crash needs some transfers committed and some not: the graph writes the
 * demo's 2,000 transfers in about a second now, so a commit every 2 s came only after all of
 * them and the crash never came. A short session lets the restarted consumer take over the
 * killed one's partitions soon.
 */
const COMMIT_INTERVAL_MS = 250;

function child(r: CrashRun): GraphChild {
  return startGraphChild(['--topic', r.names.topic, '--group', r.names.group, '--keyspace', r.names.keyspace, '--wiring', r.wiring,
    '--commit-interval-ms', String(COMMIT_INTERVAL_MS), '--commit-every-n', '1000000000', '--session-timeout-ms', '6000']);
}

async function exitOrTimeout(c: GraphChild, ms: number): Promise<number | string> {
  const t = setTimeout(() => c.process.kill('SIGKILL'), ms);
  try {
    return await c.exited;
  } finally {
    clearTimeout(t);
  }
}

/**
 * Runs the graph in a child, opens the accounts, produces the transfers, SIGKILLs the
 * child once the service has seen 40% of them AND some transfers were committed AND
 * processed records are not yet committed; restarts it and waits until every record is
 * committed, then stops it with SIGTERM. Resolves with what it saw.
 */
export async function crashAndRecover(r: CrashRun): Promise<{ readonly deadLettered: number; readonly killedAt: number; readonly committedAtKill: number }> {
  const { kafka, names, sample, log } = r;
  const opens = sample.opens.length;
  const first = child(r);
  const died = first.exited.then((code) => Promise.reject(new Error(`the graph process ended early (${code})`)));
  died.catch(() => undefined);
  await produceCommands(kafka, names.topic, sample.opens);
  await untilCommitted(kafka, names.group, names.topic, 120_000, died, opens);
  log(`${opens} accounts opened`);
  const produced = produceCommands(kafka, names.topic, [...sample.transfers, ...r.bad]);
  const admin = kafka.admin();
  await admin.connect();
  let killedAt = 0;
  let committedAtKill = 0;
  try {
    const target = opens + Math.ceil(KILL_AT * sample.transfers.length);
    const total = opens + sample.transfers.length + r.bad.length;
    for (;;) {
      const seen = first.progress.service;
      const lag = await groupLag(admin, names.group, names.topic);
      if (seen >= target && lag.committed > opens && seen - lag.committed >= 10) {
        first.process.kill('SIGKILL');
        killedAt = seen - opens;
        committedAtKill = lag.committed - opens;
        break;
      }
      if (first.process.exitCode !== null) throw new Error(`the graph process ended before the crash (${first.process.exitCode})`);
      if (lag.committed >= total) throw new Error('the graph committed every record before a crash could land between two commits; run the demo with more --commands');
      await sleep(20, never);
    }
  } finally {
    await admin.disconnect();
  }
  log(`SIGKILL: the service had written ${killedAt} transfers, ${committedAtKill} were committed`);
  await first.exited;
  await produced;
  const second = child(r);
  const died2 = second.exited.then((code) => Promise.reject(new Error(`the restarted graph process ended early (${code})`)));
  died2.catch(() => undefined);
  await untilCommitted(kafka, names.group, names.topic, 600_000, died2);
  second.process.kill('SIGTERM');
  const code = await exitOrTimeout(second, 60_000);
  log(`restarted: every record committed; the service wrote ${second.progress.service} deliveries after the restart; stopped (exit ${code})`);
  return { deadLettered: await topicSize(kafka, `${names.topic}-dead-letter`), killedAt, committedAtKill };
}

/** How many accounts' balances differ from what the commands imply, each applied once. */
export async function checkBalances(client: CqlClient, keyspace: string, commands: readonly Command[]): Promise<{ readonly accounts: number; readonly wrong: number }> {
  const expected = onceOnlyBalances(commands.map((c) => parseMoneyCommand(c)));
  const actual = await balancesOf(client, keyspace, expected.keys());
  let wrong = 0;
  for (const [account, amount] of expected) if (actual.get(account) !== amount) wrong++;
  return { accounts: expected.size, wrong };
}
