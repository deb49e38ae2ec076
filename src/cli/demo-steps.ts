/** The demo's step that needs care: a real crash with records in flight, and recovery. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DemoScenario } from 'dendrites/cqrs';
import type { KafkaAdmin } from 'dendrites/kafka';
import { type GraphChild, startGraphChild } from './child.js';

export interface CrashRun {
  readonly admin: KafkaAdmin;
  readonly names: { readonly topic: string; readonly keyspace: string; readonly group: string };
  readonly wiring: string;
  /** What `--domain` said: the child runs the same domain. */
  readonly domain: string;
  readonly scenario: DemoScenario;
  readonly log: (line: string) => void;
}

/** The crash comes once the service has seen this share of the commands... */
const KILL_AT = 0.4;
/**
 * ...and commits happen every quarter second, so records processed since the last commit are
 * redelivered. The crash needs some commands committed and some not: the graph writes the
 * demo's 2,000 commands in about a second now, so a commit every 2 s came only after all of
 * them and the crash never came. A short session lets the restarted consumer take over the
 * killed one's partitions soon.
 */
const COMMIT_INTERVAL_MS = 250;

function child(r: CrashRun): GraphChild {
  return startGraphChild(['--domain', r.domain, '--topic', r.names.topic, '--group', r.names.group, '--keyspace', r.names.keyspace, '--wiring', r.wiring,
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
 * Runs the graph in a child, produces the setup commands and waits until they are
 * committed, produces the other commands, SIGKILLs the
 * child once the service has seen 40% of them AND some of them were committed AND
 * processed records are not yet committed; restarts it and waits until every record is
 * committed, then stops it with SIGTERM. Resolves with what it saw.
 */
export async function crashAndRecover(r: CrashRun): Promise<{ readonly deadLettered: number; readonly killedAt: number; readonly committedAtKill: number }> {
  const { admin, names, scenario, log } = r;
  const opens = scenario.setup.length;
  const first = child(r);
  const died = first.exited.then((code) => Promise.reject(new Error(`the graph process ended early (${code})`)));
  died.catch(() => undefined);
  await admin.produce(names.topic, scenario.setup);
  await admin.untilCommitted(names.group, names.topic, { timeoutMs: 120_000, failed: died, atLeast: opens });
  log(`${opens} setup commands applied`);
  const produced = admin.produce(names.topic, [...scenario.commands, ...scenario.bad]);
  let killedAt = 0;
  let committedAtKill = 0;
  {
    const target = opens + Math.ceil(KILL_AT * scenario.commands.length);
    const total = opens + scenario.commands.length + scenario.bad.length;
    for (;;) {
      const seen = first.progress.service;
      const lag = await admin.lag(names.group, names.topic);
      if (seen >= target && lag.committed > opens && seen - lag.committed >= 10) {
        first.process.kill('SIGKILL');
        killedAt = seen - opens;
        committedAtKill = lag.committed - opens;
        break;
      }
      if (first.process.exitCode !== null) throw new Error(`the graph process ended before the crash (${first.process.exitCode})`);
      if (lag.committed >= total) throw new Error('the graph committed every record before a crash could land between two commits; run the demo with more --commands');
      await sleep(20);
    }
  }
  log(`SIGKILL: the service had written ${killedAt} commands, ${committedAtKill} were committed`);
  await first.exited;
  await produced;
  const second = child(r);
  const died2 = second.exited.then((code) => Promise.reject(new Error(`the restarted graph process ended early (${code})`)));
  died2.catch(() => undefined);
  await admin.untilCommitted(names.group, names.topic, { timeoutMs: 600_000, failed: died2 });
  second.process.kill('SIGTERM');
  const code = await exitOrTimeout(second, 60_000);
  log(`restarted: every record committed; the service wrote ${second.progress.service} deliveries after the restart; stopped (exit ${code})`);
  return { deadLettered: await admin.topicSize(`${names.topic}-dead-letter`), killedAt, committedAtKill };
}
