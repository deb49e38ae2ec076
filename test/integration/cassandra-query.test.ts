// cassandraQuery against the real Cassandra node: 100,000 rows, pages of 500, fetched on demand.
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fold } from 'dendrites';
import { cassandraQuery, createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { probeSink } from '../../src/testkit/index.js';
import { newCassandraClient, randomName } from './env.js';

const ks = randomName('cs_query');
const ROWS = 100_000;
const PAGE = 500;
let client: cassandra.Client;

beforeAll(async () => {
  client = newCassandraClient();
  await createKeyspace(client, ks);
  await client.execute(`CREATE TABLE ${ks}.items (p int, c int, v text, PRIMARY KEY ((p), c))`);
  const insert = `INSERT INTO ${ks}.items (p, c, v) VALUES (0, ?, ?)`;
  // one partition of 100,000 rows, written in unlogged single-partition batches, 16 at a time
  const batches = Array.from({ length: ROWS / 100 }, (_, b) => Array.from({ length: 100 }, (_, i) => ({ query: insert, params: [b * 100 + i, `v${b * 100 + i}`] })));
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < batches.length) await client.batch(batches[next++], { prepare: true, logged: false });
    }),
  );
});

afterAll(async () => {
  await dropKeyspace(client, ks).catch(() => undefined);
  await client.shutdown();
});

describe('cassandraQuery (real Cassandra)', () => {
  it('pages through 100,000 rows', async () => {
    let pages = 0;
    const source = cassandraQuery({ client: client, query: `SELECT c FROM ${ks}.items WHERE p = ?`, params: [0], pageSize: PAGE, onPage: (p) => (pages = p.pages) });
    const { count, ordered } = await source.runWith(
      fold({ count: 0, ordered: true, last: -1 }, (acc, row) => ({ count: acc.count + 1, ordered: acc.ordered && (row.c as number) === acc.last + 1, last: row.c as number })),
    ).done;
    expect(count).toBe(ROWS);
    expect(ordered).toBe(true);
    expect(pages).toBeGreaterThanOrEqual(ROWS / PAGE);
    expect(pages).toBeLessThanOrEqual(ROWS / PAGE + 1); // the server may end with an empty page
  });

  it('fetches a page only when a slow consumer pulls beyond the current one, and stops when it cancels', async () => {
    let pages = 0;
    let rowsFetched = 0;
    const source = cassandraQuery({ client: client, query: `SELECT c, v FROM ${ks}.items WHERE p = ?`, params: [0], pageSize: PAGE,
      onPage: (p) => {
        pages = p.pages;
        rowsFetched = p.rows;
      } });
    const probe = probeSink<cassandra.types.Row>({ timeoutMs: 10_000 });
    const handle = source.runWith(probe.sink);
    let taken = 0;
    let mostHeld = 0;
    for (let round = 0; round < 60; round++) {
      probe.request(40);
      const rows = await probe.expectNextN(40);
      expect(rows[0].c).toBe(taken);
      taken += rows.length;
      mostHeld = Math.max(mostHeld, rowsFetched - taken);
      expect(pages).toBe(Math.ceil(taken / PAGE)); // no page fetched ahead of demand
      await new Promise((r) => setTimeout(r, 5)); // a slow consumer
    }
    expect(taken).toBe(2400);
    expect(mostHeld).toBeLessThan(PAGE); // never more than one page held
    await probe.cancel('enough');
    await handle.done;
    const pagesAtCancel = pages;
    await new Promise((r) => setTimeout(r, 300));
    expect(pagesAtCancel).toBe(5);
    expect(pages).toBe(pagesAtCancel); // no paging after cancel
  });
});
