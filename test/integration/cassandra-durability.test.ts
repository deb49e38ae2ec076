// Acknowledged writes survive a SIGKILL of the single-node Cassandra the launcher runs: with
// `commitlog_sync: batch` (services/cassandra/cassandra.yaml) Cassandra acknowledges a write
// only once its commit log is fsynced. A graph writes a burst through cassandraSink from a
// source that tracks acknowledgements as Kafka's does (an acknowledged element is one whose
// offset would commit); Cassandra is SIGKILLed the moment the burst is acknowledged, while
// more writes are in flight, then started again: every acknowledged row must be there.
// With the former `periodic` 10 s sync, the same kill lost acknowledged writes.
// Needs the Cassandra JVM started by services/ (not an external or docker Cassandra).
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASSANDRA, runningPid, startJvm, stopJvm } from '../../services/jvm.js';
import { isHealthy, probeCassandra, waitHealthy } from '../../services/health.js';
import { portOpen } from '../../services/proc.js';
import { defineSource, fold } from 'dendrites';
import { cassandraBind, cassandraQuery, cassandraSink, createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { cassandraContactPoints, cassandraLocalDc, randomName } from './env.js';

const ks = randomName('cs_durable');
const BURST = 20_000; // acknowledged before the kill
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void => console.log(`[durability] ${msg}`);
const probe = (): Promise<string> => probeCassandra(cassandraContactPoints(), cassandraLocalDc());

function newClient(): cassandra.Client {
  return new cassandra.Client({
    contactPoints: cassandraContactPoints(),
    localDataCenter: cassandraLocalDc(),
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(500) },
  });
}

async function commitlogSync(client: cassandra.Client): Promise<string> {
  const rs = await client.execute(`SELECT value FROM system_views.settings WHERE name = 'commitlog_sync'`);
  return String(rs.first()?.get('value'));
}

/** Starts the launcher's Cassandra JVM unless one answers; waits until it does. */
async function ensureCassandra(): Promise<void> {
  if (await isHealthy(probe)) return;
  if (!(await portOpen('127.0.0.1', CASSANDRA.port))) startJvm(CASSANDRA, log);
  await waitHealthy('cassandra', probe, 180_000);
}

let client: cassandra.Client;

beforeAll(async () => {
  if (runningPid(CASSANDRA) === undefined) throw new Error('this test kills the Cassandra JVM started by `npm run services -- up`; none is running here');
  client = newClient();
  if ((await commitlogSync(client)) !== 'batch') {
    // Started before services/cassandra/cassandra.yaml said `batch`: restart it with the file's setting.
    log('Cassandra runs with an older commit-log setting: restarting it');
    await client.shutdown();
    await stopJvm(CASSANDRA, log);
    startJvm(CASSANDRA, log);
    await waitHealthy('cassandra', probe, 180_000);
    client = newClient();
  }
  expect(await commitlogSync(client)).toBe('batch');
  await createKeyspace(client, ks);
  await client.execute(`CREATE TABLE ${ks}.durable (id int PRIMARY KEY, payload text)`);
}, 300_000);

afterAll(async () => {
  await ensureCassandra();
  await dropKeyspace(client, ks).catch(() => undefined);
  await client.shutdown();
}, 300_000);

describe('acknowledged writes and a SIGKILL of Cassandra (real Cassandra, killed and started)', () => {
  it('finds every acknowledged row after the restart', async () => {
    const acked: number[] = [];
    let next = 0;
    let stopped = false;
    // A source like Kafka's: chunks of elements with acknowledgements; it never completes on its own.
    const ids = defineSource<number>('ids', () => ({
      async pull(max) {
        if (stopped) return undefined;
        const items = Array.from({ length: Math.min(max, 256) }, () => next++);
        return { items, acks: items.map((id) => () => void acked.push(id)) };
      },
      async cancel() {
        stopped = true;
      },
    }));
    const bind = cassandraBind<number>({ cql: `INSERT INTO ${ks}.durable (id, payload) VALUES (?, ?)`, bind: (id) => [id, `row ${id}`], key: String, idempotent: true });
    const pid = runningPid(CASSANDRA);
    if (pid === undefined) throw new Error('no Cassandra JVM to kill');
    const started = Date.now();
    const handle = ids.via(bind).runWith(cassandraSink({ client, parallelism: 64 }));
    let ackedAtKill: number[] = [];
    try {
      while (acked.length < BURST) await sleep(1);
      // the kill comes right after the burst is acknowledged, with writes still in flight
      ackedAtKill = [...acked];
      process.kill(pid, 'SIGKILL');
      const seconds = (Date.now() - started) / 1000;
      log(`SIGKILL after ${ackedAtKill.length} acknowledged writes in ${seconds.toFixed(1)} s (${Math.round(ackedAtKill.length / seconds)} writes/s, commitlog_sync: batch)`);
      const error = await handle.done.catch((e: unknown) => e); // the writes in flight fail: no retry sink here
      expect(error).toBeInstanceOf(Error);
      while (await portOpen('127.0.0.1', CASSANDRA.port)) await sleep(100);
      startJvm(CASSANDRA, log);
      await waitHealthy('cassandra', probe, 180_000);
    } finally {
      stopped = true;
      handle.abort('test over');
      await handle.done.catch(() => undefined);
      await ensureCassandra();
    }

    const reader = newClient();
    try {
      const found = await cassandraQuery({ client: reader, query: `SELECT id FROM ${ks}.durable`, params: [], pageSize: 5000 }).runWith(
        fold(new Set<number>(), (set, row) => set.add(row.id as number)),
      ).done;
      const lost = ackedAtKill.filter((id) => !found.has(id));
      log(`${ackedAtKill.length} acknowledged before the kill, ${found.size} rows after the restart, ${lost.length} acknowledged rows lost`);
      expect(ackedAtKill.length).toBeGreaterThanOrEqual(BURST);
      expect(lost).toEqual([]);
    } finally {
      await reader.shutdown();
    }
  });
});
