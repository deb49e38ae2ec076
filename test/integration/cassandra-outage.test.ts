// A Cassandra outage while a graph writes: the launcher stops its Cassandra JVM (SIGTERM, as
// `services down` does), leaves it down for 10 s and starts it again. The retry sink waits and retries, the source
// is backpressured meanwhile, and afterwards every record is in Cassandra.
// Needs the Cassandra JVM started by services/ (not an external or docker Cassandra).
// A clean stop here; a SIGKILL and a 2-minute outage under the command graph:
// cassandra-outage-graph.test.ts; acknowledged writes through a SIGKILL: cassandra-durability.test.ts.
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASSANDRA, runningPid, startJvm, stopJvm } from '../../services/jvm.js';
import { probeCassandra, waitHealthy } from '../../services/health.js';
import { fold, fromAsyncIterable } from 'dendrites';
import { cassandraBind, cassandraQuery, cassandraRetrySink, createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { cassandraContactPoints, cassandraLocalDc, randomName } from './env.js';

const ks = randomName('cs_outage');
const N = 10_000;
const PARALLELISM = 16;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let client: cassandra.Client;

beforeAll(async () => {
  client = new cassandra.Client({
    contactPoints: cassandraContactPoints(),
    localDataCenter: cassandraLocalDc(),
    // reconnect every 500 ms rather than backing off towards minutes
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(500) },
  });
  await createKeyspace(client, ks);
  await client.execute(`CREATE TABLE ${ks}.outage (id int PRIMARY KEY, payload text)`);
});

afterAll(async () => {
  await dropKeyspace(client, ks).catch(() => undefined);
  await client.shutdown();
});

describe('cassandraRetrySink through an outage (real Cassandra, stopped and started)', () => {
  it('waits and retries while Cassandra is down, backpressures the source, loses nothing', async () => {
    const pid = runningPid(CASSANDRA);
    if (pid === undefined) throw new Error('this test stops the Cassandra JVM started by `npm run services -- up`; none is running here');
    let produced = 0;
    async function* records(): AsyncGenerator<number> {
      for (let i = 0; i < N; i++) {
        if (i % 50 === 0) await sleep(25); // about 2,000 records a second
        produced = i + 1;
        yield i;
      }
    }
    const bind = cassandraBind<number>({ cql: `INSERT INTO ${ks}.outage (id, payload) VALUES (?, ?)`, bind: (i) => [i, `record ${i}`], key: String, idempotent: true });
    const handle = fromAsyncIterable(records())
      .via(bind)
      .runWith(cassandraRetrySink({ client, parallelism: PARALLELISM, retry: { maxDelayMs: 2000 } })); // the default give-up time (5 minutes) waits the outage out

    await sleep(2000);
    const producedBeforeKill = produced;
    const log = (msg: string): void => console.log(`[outage] ${msg}`);
    const killedAt = Date.now();
    await stopJvm(CASSANDRA, log);
    await sleep(3000); // writes in flight fail and wait to retry
    const producedDown = produced;
    await sleep(7000);
    const producedBeforeStart = produced;
    startJvm(CASSANDRA, log);
    await waitHealthy('cassandra', () => probeCassandra(cassandraContactPoints(), cassandraLocalDc()), 180_000);
    const downFor = (Date.now() - killedAt) / 1000;

    const summary = await handle.done;
    console.log(
      `[outage] produced ${producedBeforeKill} before the stop, ${producedDown} 3 s after, ${producedBeforeStart} at restart; ` +
        `down ${downFor.toFixed(1)} s; ${summary.written} written, ${summary.retries} retries`,
    );
    expect(producedBeforeKill).toBeGreaterThan(0);
    expect(producedBeforeKill).toBeLessThan(N); // the graph was still writing
    expect(producedBeforeStart - producedDown).toBeLessThanOrEqual(PARALLELISM); // backpressured while down
    expect(summary.retries).toBeGreaterThan(0);
    expect(summary.written).toBe(N);

    const { count, sum } = await cassandraQuery({ client: client, query: `SELECT id FROM ${ks}.outage`, params: [], pageSize: 5000 }).runWith(
      fold({ count: 0, sum: 0 }, (acc, row) => ({ count: acc.count + 1, sum: acc.sum + (row.id as number) })),
    ).done;
    expect(count).toBe(N);
    expect(sum).toBe((N * (N - 1)) / 2); // every id once
  });
});
