import type { types } from 'cassandra-driver';
import { defineSource, type Source } from '../core/dsl.js';
import { CassandraError, ConfigError, messageOf } from '../errors.js';
import { positiveInteger } from '../core/options.js';
import type { CqlClient } from '../connectors/cassandra/client.js';
import { describe } from '../connectors/cassandra/classify.js';

/** The options of `cassandraQuery`. */
export interface CassandraQueryOptions {
  /** A connected cassandra-driver Client (or anything with its `execute`). Required. */
  readonly client: CqlClient;
  /** The CQL statement, with `?` markers for `params`. Required. */
  readonly query: string;
  /** Values of the statement's markers. Default none. */
  readonly params?: readonly unknown[];
  /** Rows per page (the driver's fetchSize). Default 1,000. */
  readonly pageSize?: number;
  /** Consistency level of the reads (`types.consistencies`). Default: the client's. */
  readonly consistency?: number;
  /** Called after each page is fetched, with the pages and rows fetched so far (progress, tests). */
  readonly onPage?: (progress: { readonly pages: number; readonly rows: number }) => void;
}

/**
 * A source of the rows of a query, fetched a page at a time with the driver's paging
 * state: it holds at most one page, and fetches the next only when downstream pulls
 * beyond the current one. Each run starts from the first page. Counts `pages` in the
 * stage metrics.
 *
 * - Emits when: downstream pulls and rows of the current page remain, or the next page has come.
 * - Backpressures when: downstream does not pull (no page is fetched ahead).
 * - Completes when: the last page has been emitted, or the run is stopped.
 * - Fails when: a page cannot be fetched (a CassandraError naming the statement).
 * - Cancels when: never (it has no upstream); when downstream cancels it fetches no more pages.
 *
 * @example examples/cassandra-sink.ts
 */
export function cassandraQuery(options: CassandraQueryOptions): Source<types.Row> {
  const stage = 'cassandraQuery';
  if (options === null || typeof options !== 'object') throw new ConfigError(`${stage} takes an options object { client, query, params, pageSize }, got ${String(options)}`, { stage });
  const { client, query: cql, params = [] } = options;
  if (typeof client?.execute !== 'function') throw new ConfigError(`${stage}: client must be a cassandra-driver Client`, { stage });
  if (typeof cql !== 'string' || cql.trim() === '') throw new ConfigError(`${stage}: query must be a CQL statement`, { stage });
  if (!Array.isArray(params)) throw new ConfigError(`${stage}: params must be an array`, { stage });
  const pageSize = positiveInteger(stage, 'pageSize', options.pageSize, 1_000);
  const { consistency, onPage } = options;
  return defineSource<types.Row>(stage, (ctx) => {
    let rows: types.Row[] = [];
    let position = 0;
    let pageState: string | undefined;
    let lastPage = false;
    let done = false;
    let pages = 0;
    let fetched = 0;
    const fetchPage = async (): Promise<void> => {
      const queryOptions = { prepare: true, fetchSize: pageSize, ...(pageState === undefined ? {} : { pageState }), ...(consistency === undefined ? {} : { consistency }) };
      let result;
      try {
        result = await client.execute(cql, [...params], queryOptions);
      } catch (error) {
        throw new CassandraError(`${stage}: ${describe(error)}: ${messageOf(error)} (statement: ${cql}, page ${pages + 1})`, { cause: error, statement: cql, stage });
      }
      if (done) return; // cancelled while fetching
      rows = result.rows;
      position = 0;
      pages++;
      fetched += rows.length;
      ctx.metrics.count('pages');
      pageState = result.pageState ?? undefined;
      lastPage = pageState === undefined;
      onPage?.({ pages, rows: fetched });
    };
    return {
      async pull(max) {
        for (;;) {
          if (done || ctx.isDraining()) return undefined;
          if (position < rows.length) {
            const items = rows.slice(position, position + max);
            position += items.length;
            if (position >= rows.length) rows = []; // let the page go once it is handed out
            return { items };
          }
          if (lastPage) {
            done = true;
            return undefined;
          }
          await fetchPage();
        }
      },
      async cancel() {
        done = true;
        rows = [];
      },
    };
  });
}
