// cassandraSink and cassandraRetrySink against the real Cassandra node, in a random keyspace.
import type cassandra from 'cassandra-driver';
import { types } from 'cassandra-driver';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CassandraError, RetriesExhaustedError, fromArray } from 'dendrites';
import { cassandraBind, cassandraRetrySink, cassandraSink, createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { newCassandraClient, randomName } from './env.js';

const ks = randomName('cs_sink');
let client: cassandra.Client;

beforeAll(async () => {
  client = newCassandraClient();
  await createKeyspace(client, ks);
  await client.execute(`CREATE TABLE ${ks}.latest (k text PRIMARY KEY, seq int, history list<int>)`);
  await client.execute(`CREATE TABLE ${ks}.acct (id text PRIMARY KEY, balance int, version int, applied_by set<int>)`);
});

afterAll(async () => {
  await dropKeyspace(client, ks).catch(() => undefined);
  await client.shutdown();
});

describe('cassandraSink (real Cassandra)', () => {
  it('lands 50,000 writes at parallelism 32, each key in the order sent', async () => {
    const KEYS = 1000;
    const WRITES = 50;
    const BLOCK = 20; // keys written round-robin in blocks, so each key has a write queued behind one in flight
    const elements: { k: string; seq: number }[] = [];
    for (let block = 0; block < KEYS; block += BLOCK) {
      for (let seq = 0; seq < WRITES; seq++) for (let k = block; k < block + BLOCK; k++) elements.push({ k: `key-${k}`, seq });
    }
    expect(elements).toHaveLength(KEYS * WRITES);
    const bind = cassandraBind<{ k: string; seq: number }>({
      cql: `UPDATE ${ks}.latest SET seq = ?, history = history + ? WHERE k = ?`,
      bind: (e) => [e.seq, [e.seq], e.k],
      key: (e) => e.k,
      idempotent: false, // a list append is not
    });
    const started = Date.now();
    const summary = await fromArray(elements).via(bind).runWith(cassandraSink({ client, parallelism: 32 })).done;
    const seconds = (Date.now() - started) / 1000;
    console.log(`50,000 writes in ${seconds.toFixed(1)} s (${Math.round(50_000 / seconds)}/s)`);
    expect(summary).toEqual({ written: 50_000, notApplied: 0, skipped: 0, retries: 0, deadLettered: 0 });

    const rows = (await client.execute(`SELECT k, seq, history FROM ${ks}.latest`, [], { fetchSize: 5000, autoPage: true } as cassandra.QueryOptions)).rows;
    expect(rows).toHaveLength(KEYS);
    const expected = Array.from({ length: WRITES }, (_, i) => i);
    let total = 0;
    for (const row of rows) {
      expect(row.seq).toBe(WRITES - 1); // the last write per key is the last sent
      expect(row.history).toEqual(expected); // every write landed, in the order sent
      total += (row.history as number[]).length;
    }
    expect(total).toBe(50_000);
  });

  it('fails the graph at once on a bad column, naming the statement, with no retry spent', async () => {
    const cql = `INSERT INTO ${ks}.latest (k, no_such_column) VALUES (?, ?)`;
    const bind = cassandraBind<number>({ cql, bind: (i) => [`k${i}`, i], key: (i) => `k${i}`, idempotent: true });
    const started = Date.now();
    const handle = fromArray(Array.from({ length: 1000 }, (_, i) => i))
      .via(bind)
      .runWith(cassandraRetrySink({ client, parallelism: 8, retry: { attempts: 10, minDelayMs: 1000 } }));
    const metrics = lastValueFrom(handle.metrics$);
    const error = await handle.done.catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(CassandraError);
    expect(error).not.toBeInstanceOf(RetriesExhaustedError);
    expect((error as CassandraError).message).toContain(cql);
    expect((error as CassandraError).message).toMatch(/no_such_column/);
    expect((error as CassandraError).statement).toBe(cql);
    expect((error as CassandraError).stage).toBe('cassandraRetrySink');
    expect(elapsed).toBeLessThan(1000); // a retry would have waited at least minDelayMs = 1 s
    const sink = (await metrics).stages.find((s) => s.kind === 'cassandraRetrySink');
    expect(sink?.counters.retries ?? 0).toBe(0);
    expect(sink?.out).toBe(0);
  });

  it('applies 20 contending lightweight-transaction increments of one balance exactly once each', async () => {
    const id = 'acct-1';
    await client.execute(`INSERT INTO ${ks}.acct (id, balance, version, applied_by) VALUES (?, 0, 0, {})`, [id], { prepare: true });
    const read = async (): Promise<types.Row> =>
      (await client.execute(`SELECT balance, version, applied_by FROM ${ks}.acct WHERE id = ?`, [id], { prepare: true, consistency: types.consistencies.serial })).first();
    let binds = 0;
    const bind = cassandraBind<number>({
      cql: `UPDATE ${ks}.acct SET balance = ?, version = ?, applied_by = applied_by + ? WHERE id = ? IF version = ?`,
      // optimistic concurrency: read the current state, write the next if nobody wrote in between
      bind: async (n) => {
        binds++;
        const row = await read();
        const appliedBy = (row.applied_by as number[] | null) ?? [];
        if (appliedBy.includes(n)) return null; // an earlier attempt of ours applied after all (e.g. after a CAS timeout)
        return [(row.balance as number) + 1, (row.version as number) + 1, [n], id, row.version];
      },
      idempotent: true, // the bind above checks applied_by, so replaying is safe
    });
    const summary = await fromArray(Array.from({ length: 20 }, (_, n) => n))
      .via(bind)
      .runWith(cassandraRetrySink({ client, parallelism: 20, retry: { attempts: 200, minDelayMs: 5, maxDelayMs: 200, giveUpAfterMs: 120_000 } }))
      .done;
    const row = await read();
    console.log(`LWT: 20 increments, ${binds} binds, ${summary.retries} retries`);
    expect(row.balance).toBe(20);
    expect(row.version).toBe(20);
    expect([...(row.applied_by as number[])].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(summary.written + summary.skipped).toBe(20);
    expect(summary.retries).toBeGreaterThan(0); // they did contend
  });
});
