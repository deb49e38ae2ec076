// Reconcile against the real services: commands whose offsets were committed but whose writes
// Cassandra no longer holds (what a node that loses acknowledged writes leaves behind) are found by
// comparing the topic with the journal, and repaired through the graph's own statements, once.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parallelCommandGraph, reconcile, type ReconcileReport } from 'dendrites/cqrs';
import { type Command, domain, sampleCommands } from 'dendrites/samples/money-transfer';
import { cqrsFixture, type CqrsFixture } from './fixtures/cqrs-fixture.js';

let fx: CqrsFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** Deletes every trace of a transfer's applied deliveries: its journal rows and its ledger entries. */
async function forget(f: CqrsFixture, transfer: Command): Promise<void> {
  const ks = f.keyspace;
  const id = transfer.id;
  const rows = await f.client.execute(`SELECT delivery_id, bucket FROM ${ks}.dendrites_journal WHERE command_id = ? AND kind = 'applied'`, [id], { prepare: true });
  expect(rows.rows.length).toBeGreaterThan(0);
  for (const row of rows.rows) {
    const deliveryId = String(row.get('delivery_id'));
    await f.client.execute(`DELETE FROM ${ks}.dendrites_journal WHERE command_id = ? AND kind = 'applied' AND delivery_id = ?`, [id, deliveryId], { prepare: true });
    await f.client.execute(`DELETE FROM ${ks}.dendrites_journal_by_bucket WHERE bucket = ? AND command_id = ? AND kind = 'applied' AND delivery_id = ?`, [row.get('bucket'), id, deliveryId], { prepare: true });
    for (const [account, side] of [[transfer.data.from_account, 'debit'], [transfer.data.to_account, 'credit']]) {
      await f.client.execute(`DELETE FROM ${ks}.ledger_entries WHERE account = ? AND entry_id = ?`, [account, `${id}:${deliveryId}:${side}`], { prepare: true });
    }
  }
}

function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

describe('reconcile (real Kafka and Cassandra)', () => {
  it('finds committed commands Cassandra lost, repairs them once, and the balances come right', async () => {
    const f = (fx = await cqrsFixture('reconcile'));
    const since = Date.now() - 1000;
    const { opens, transfers } = sampleCommands({ accounts: 6, transfers: 200 });
    const base = { kafka: f.kafka, topic: f.topic, groupId: f.groupId, client: f.client, keyspace: f.keyspace, domain, consumer: { commitIntervalMs: 200 } };
    const run = parallelCommandGraph(base).run();
    await f.produce(opens); // accounts first: a transfer naming an account not yet opened is bad input
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: run.done });
    await f.produce(transfers);
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: run.done });
    await run.stop();
    expect((await f.balancesMatch([...opens, ...transfers])).correct).toBe(true);

    const lost = [transfers[10], transfers[99], transfers[150]];
    const lostIds = lost.map((t) => t.id);
    for (const t of lost) await forget(f, t);
    expect((await f.balancesMatch([...opens, ...transfers])).correct).toBe(false);

    const reports: ReconcileReport[] = [];
    const options = { kafka: f.kafka, topic: f.topic, groupId: f.groupId, client: f.client, keyspace: f.keyspace, domain, since, until: Date.now() };
    const found = await reconcile({ ...options, onCommand: (r) => reports.push(r) });
    expect(found).toMatchObject({ records: 206, badInput: 0, lost: 3, notLogged: 0, repaired: 0 });
    expect(reports.map((r) => r.commandId).sort()).toEqual([...lostIds].sort());
    expect(reports.every((r) => r.kind === 'lost' && !r.repaired && r.topic === f.topic)).toBe(true);

    const repaired = await reconcile({ ...options, repair: true });
    expect(repaired).toMatchObject({ lost: 3, repaired: 3 });
    expect((await f.balancesMatch([...opens, ...transfers])).correct).toBe(true);

    // Again, from the command line: nothing left to repair, exit 0.
    const again = await cli(['reconcile', '--domain', 'money-transfer', '--topic', f.topic, '--group', f.groupId, '--keyspace', f.keyspace, '--since', String(since), '--until', 'now', '--repair']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').pop() ?? '')).toEqual({ records: 206, lost: 0, notLogged: 0, repaired: 0, badInput: 0 });
  });

  it("in prevent mode, a repair claims the command: a later delivery of it takes no effect, with no job run", async () => {
    const f = (fx = await cqrsFixture('reconcile_prevent'));
    const since = Date.now() - 1000;
    const { opens, transfers } = sampleCommands({ accounts: 6, transfers: 100 });
    const base = { kafka: f.kafka, topic: f.topic, groupId: f.groupId, client: f.client, keyspace: f.keyspace, domain, duplicates: 'prevent', consumer: { commitIntervalMs: 200 } } as const;
    let run = parallelCommandGraph(base).run();
    await f.produce(opens);
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: run.done });
    await f.produce(transfers);
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: run.done });
    await run.stop();

    // Two lost the way a node losing writes leaves them: the effects gone, the claim still there
    // (its owner's delivery is repaired as that owner); and one whose claim is gone too (the repair claims it).
    const lost = [transfers[10], transfers[50], transfers[90]];
    for (const t of lost) await forget(f, t);
    await f.client.execute(`DELETE FROM ${f.keyspace}.dendrites_claims WHERE command_id = ?`, [lost[2].id], { prepare: true });
    const owners = async (id: string): Promise<string[]> =>
      (await f.client.execute(`SELECT delivery_id FROM ${f.keyspace}.dendrites_journal WHERE command_id = ? AND kind = 'applied'`, [id], { prepare: true })).rows.map((r) => String(r.get('delivery_id')));
    const claimOf = async (id: string): Promise<string | undefined> => {
      const rows = (await f.client.execute(`SELECT delivery_id FROM ${f.keyspace}.dendrites_claims WHERE command_id = ?`, [id], { prepare: true })).rows;
      return rows.length === 0 ? undefined : String(rows[0].get('delivery_id'));
    };
    const claimed = [await claimOf(lost[0].id), await claimOf(lost[1].id)];
    expect(claimed.every((c) => c !== undefined)).toBe(true);

    const options = { kafka: f.kafka, topic: f.topic, groupId: f.groupId, client: f.client, keyspace: f.keyspace, domain, since, until: Date.now(), duplicates: 'prevent' } as const;
    expect(await reconcile({ ...options, repair: true })).toMatchObject({ records: 106, lost: 3, repaired: 3 });
    expect((await f.balancesMatch([...opens, ...transfers])).correct).toBe(true);
    // Repaired as the claim's owner where there was one; the third now claimed by the repair's own delivery.
    expect(await owners(lost[0].id)).toEqual([claimed[0]]);
    expect(await owners(lost[1].id)).toEqual([claimed[1]]);
    const third = await claimOf(lost[2].id);
    expect(third).toBeDefined();
    expect(await owners(lost[2].id)).toEqual([third]);

    // The same three commands delivered again, to the graph in prevent mode: nothing takes effect.
    run = parallelCommandGraph(base).run();
    await f.produce(lost);
    await f.admin.untilCommitted(f.groupId, f.topic, { timeoutMs: 60_000, failed: run.done });
    await run.stop();
    expect((await f.balancesMatch([...opens, ...transfers])).correct).toBe(true);
    for (const t of lost) expect((await owners(t.id)).length).toBe(1);
  });

  it('looks only at what the group committed: records not yet processed are pending, not lost', async () => {
    const f = (fx = await cqrsFixture('reconcile_pending'));
    const { opens } = sampleCommands({ accounts: 4, transfers: 0 });
    await f.produce(opens); // produced, never consumed: the group has committed nothing
    const s = await reconcile({ kafka: f.kafka, topic: f.topic, groupId: f.groupId, client: f.client, keyspace: f.keyspace, domain, since: 0, until: Date.now() });
    expect(s).toMatchObject({ records: 0, lost: 0 });
  });
});
