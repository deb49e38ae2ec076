// Prevent mode in a real process under load: the money-transfer graph (duplicates: 'prevent')
// runs in a child process while transfers are produced; it is SIGKILLed 5 times (each time
// with records applied but not committed, so they are delivered again) and restarted. When the
// group has committed everything, BEFORE any compensation job: every balance equals what the
// topic holds (read back with a plain kafkajs consumer and avsc, summed per account), every
// command has exactly one `applied` journal row, and the redelivered commands are in the event
// log more than once (so duplicates did arrive, and were prevented).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { afterEach, describe, expect, it } from 'vitest';
import { compensate } from 'dendrites/cqrs';
import { commandRecord, createMoneyTransferTables, domain, openAccount, transferMoney } from 'dendrites/samples/money-transfer';
import { cassandraContactPoints, cassandraLocalDc, kafkaBrokers } from './env.js';
import { type CommandTopicFixture, commandTopicFixture } from './fixtures/cqrs-fixture.js';

const CHILD = fileURLToPath(new URL('./fixtures/prevent-graph-child.ts', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let fx: CommandTopicFixture | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await fx?.close();
  fx = undefined;
});

interface Graph {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | string>;
  stderr: string;
}

function startGraph(f: CommandTopicFixture): Graph {
  const env = { ...process.env, KAFKA_BROKERS: kafkaBrokers().join(','), CASSANDRA_CONTACT_POINTS: cassandraContactPoints().join(','), CASSANDRA_LOCAL_DC: cassandraLocalDc(), TOPIC: f.topic, GROUP: f.groupId, KEYSPACE: f.keyspace };
  // node itself with the tsx loader, so the SIGKILL hits the graph's process
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const g: Graph = { proc, stderr: '', exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))) };
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => (g.stderr += s));
  return g;
}

/** Each unique command of the topic applied once, per account: read with a plain consumer and avsc, not with dendrites. */
async function balancesFromTopic(f: CommandTopicFixture): Promise<{ records: number; commands: number; balances: Map<string, number> }> {
  const type = avro.Type.forSchema(JSON.parse(readFileSync(new URL('../../schemas/command.avsc', import.meta.url), 'utf8')) as avro.Schema);
  const { total } = await f.admin.lag(f.groupId, f.topic);
  const seen = new Map<string, { action: string; data: Record<string, unknown> }>();
  let records = 0;
  const consumer = f.kafka.consumer({ groupId: `prevent-check-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: f.topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          records++;
          const c = type.fromBuffer(message.value ?? Buffer.alloc(0)) as { id: string; action: string; data: Record<string, unknown> };
          if (!seen.has(c.id)) seen.set(c.id, c);
          if (records >= total) resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  const balances = new Map<string, number>();
  const add = (account: unknown, amount: unknown): void => void balances.set(String(account), (balances.get(String(account)) ?? 0) + Number(amount));
  for (const c of seen.values()) {
    if (c.action === 'open-account') add(c.data.account_id, c.data.initial_balance ?? 0);
    else {
      add(c.data.from_account, -Number(c.data.amount));
      add(c.data.to_account, c.data.amount);
    }
  }
  return { records, commands: seen.size, balances };
}

/** Each account's ledger sum, by a plain cassandra-driver query. */
async function ledgerSums(f: CommandTopicFixture, accounts: Iterable<string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const account of accounts) {
    const rows = (await f.client.execute(`SELECT amount FROM ${f.keyspace}.ledger_entries WHERE account = ?`, [account], { prepare: true, fetchSize: 100_000 })).rows;
    out.set(account, rows.reduce((sum, r) => sum + Number(r.get('amount')), 0));
  }
  return out;
}

/** Journal rows per command and kind, by a plain scan (the test's keyspace is small). */
async function journalByCommand(f: CommandTopicFixture): Promise<Map<string, { applied: number; logged: number }>> {
  const out = new Map<string, { applied: number; logged: number }>();
  let pageState: string | undefined;
  do {
    const page = await f.client.execute(`SELECT command_id, kind FROM ${f.keyspace}.dendrites_journal`, [], { prepare: true, fetchSize: 5_000, pageState });
    for (const r of page.rows) {
      const id = String(r.get('command_id'));
      const n = out.get(id) ?? { applied: 0, logged: 0 };
      if (r.get('kind') === 'applied') n.applied++;
      else n.logged++;
      out.set(id, n);
    }
    pageState = page.pageState ?? undefined;
  } while (pageState !== undefined);
  return out;
}

describe('prevent mode in a process (real Kafka and Cassandra)', () => {
  it('5 SIGKILLs of the graph process under load: 0 duplicate effects, every balance right, before any job runs', async () => {
    const f = (fx = await commandTopicFixture('prevent_process', createMoneyTransferTables, 3));
    const accounts = Array.from({ length: 20 }, (_, i) => `acct-${String(i).padStart(3, '0')}`);
    await f.admin.produce(f.topic, accounts.map((a) => commandRecord(openAccount({ account_id: a, initial_balance: 1_000_000 }))));
    let graph = startGraph(f);
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 120_000 });

    // Transfers at about 400 a second for as long as the kills take.
    let producing = true;
    let produced = 0;
    let seed = 2026;
    const rand = (): number => ((seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
    const producer = (async () => {
      while (producing) {
        const batch = Array.from({ length: 40 }, () => {
          const from = Math.floor(rand() * accounts.length);
          const to = (from + 1 + Math.floor(rand() * (accounts.length - 1))) % accounts.length;
          return commandRecord(transferMoney({ from_account: accounts[from], to_account: accounts[to], amount: 1 + Math.floor(rand() * 500) }));
        });
        produced += await f.admin.produce(f.topic, batch);
        await sleep(100);
      }
    })();

    const kills: string[] = [];
    for (let k = 0; k < 5; k++) {
      // Let it make progress (and hold applied, uncommitted records), then kill it.
      const before = (await f.admin.lag(f.groupId, f.topic)).committed;
      const deadline = Date.now() + 90_000;
      while ((await f.admin.lag(f.groupId, f.topic)).committed < before + 300 && Date.now() < deadline) await sleep(250);
      await sleep(1_500 + rand() * 1_500);
      const lag = await f.admin.lag(f.groupId, f.topic);
      graph.proc.kill('SIGKILL');
      expect(await graph.exited).toBe('SIGKILL');
      kills.push(`kill ${k + 1}: committed ${lag.committed} of ${lag.total}`);
      graph = startGraph(f);
    }
    producing = false;
    await producer;
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 300_000, failed: graph.exited.then((c) => Promise.reject(new Error(`the graph exited (${c}): ${graph.stderr}`))) });
    graph.proc.kill('SIGTERM');
    expect(await graph.exited).toBe(0);

    // Before any job: the state is the topic's, each command applied once.
    const expected = await balancesFromTopic(f);
    const actual = await ledgerSums(f, expected.balances.keys());
    const wrong = [...expected.balances].filter(([a, b]) => actual.get(a) !== b);
    const journal = await journalByCommand(f);
    const appliedTwice = [...journal.values()].filter((n) => n.applied > 1).length;
    const appliedOnce = [...journal.values()].filter((n) => n.applied === 1).length;
    const redelivered = [...journal.values()].filter((n) => n.logged > 1).length;
    console.log(`prevent process: ${produced} transfers produced, ${expected.records} records, ${expected.commands} commands; ${kills.join('; ')}; ` +
      `commands logged more than once (redelivered): ${redelivered}; applied more than once: ${appliedTwice}; wrong balances: ${wrong.length} of ${expected.balances.size}`);
    expect(expected.records).toBe(accounts.length + produced);
    expect(wrong).toEqual([]);
    expect(appliedTwice).toBe(0);
    expect(appliedOnce).toBe(expected.commands);
    expect(redelivered).toBeGreaterThan(0); // duplicates did arrive; none took effect

    // The job, run only now, finds nothing to undo.
    const summary = await compensate({ client: f.client, keyspace: f.keyspace, domain, since: Date.now() - 3_600_000, until: Date.now() + 3_600_000 });
    expect(summary).toMatchObject({ duplicateEffects: 0, compensated: 0 });
    expect(summary.auditDuplicates).toBeGreaterThan(0);
  });
});
