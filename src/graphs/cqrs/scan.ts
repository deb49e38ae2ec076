import type { types } from 'cassandra-driver';
import type { CqlClient } from '../../connectors/cassandra/client.js';

/**
 * One partition read page by page (no ALLOW FILTERING: the query names the partition
 * key), as an async iterable of rows in clustering order. `onRows` counts what was read.
 */
export async function* scanPartition(
  client: CqlClient,
  query: string,
  params: readonly unknown[],
  fetchSize: number,
  onRows: (n: number) => void,
): AsyncGenerator<types.Row> {
  let pageState: string | undefined;
  for (;;) {
    const result = await client.execute(query, [...params], { prepare: true, fetchSize, ...(pageState === undefined ? {} : { pageState }) });
    onRows(result.rows.length);
    yield* result.rows;
    if (result.pageState === null || result.pageState === undefined) return;
    pageState = result.pageState;
  }
}
