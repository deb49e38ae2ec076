import { ChunkBuilder, ackAt } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';
import { CassandraError, ConfigError, messageOf } from '../errors.js';
import { coordinatesOf, describeCoordinates } from '../connectors/cassandra/coordinates.js';
import { countMarkers } from '../connectors/cassandra/markers.js';
import type { BoundStatement } from '../connectors/cassandra/statement.js';

export type { BoundStatement } from '../connectors/cassandra/statement.js';

/** What a bind function gets besides the element. */
export interface BindContext {
  /** 1 for the first binding; 2, 3, ... when the retry sink re-binds a conditional write that was not applied. */
  readonly attempt: number;
}

/** The options of `cassandraBind`: the statement and how an element binds to it. */
export interface CassandraBindOptions<T> {
  /** The statement, with `?` markers. The sinks execute it prepared; the driver prepares it once per client. */
  readonly cql: string;
  /**
   * The parameters for one element, in marker order. May be async (e.g. read the current
   * version of a row for an optimistic `UPDATE ... IF version = ?`). Returning `null` drops
   * the element (it is acknowledged: there is nothing to write).
   */
  readonly bind: (item: T, context: BindContext) => readonly unknown[] | null | Promise<readonly unknown[] | null>;
  /** The element's partition key: the sinks keep writes with the same key in order. Default: no key (no ordering). */
  readonly key?: (item: T) => string;
  /** Whether executing the statement twice is the same as once (a plain INSERT or UPDATE of fixed values is). Default false. */
  readonly idempotent?: boolean;
}

/**
 * Binds each element to a statement: emits `{ query, params, key, idempotent, item }`
 * (the element travels on for later stages), ready for `cassandraSink` or
 * `cassandraRetrySink`. The number of `?` markers is counted once when the stage is
 * built, and each element's parameters are checked against it; a bind failure names the
 * statement and the element's key. Acknowledgements travel with their elements; an
 * element bound to `null` is acknowledged and dropped.
 *
 * - Emits when: downstream pulls and an upstream chunk has been bound.
 * - Backpressures when: downstream backpressures (it pulls only for a pull of its own).
 * - Completes when: upstream completes.
 * - Fails when: upstream fails, or `bind` throws or returns the wrong number of parameters
 *   (a CassandraError naming the statement, the key and, when the element carries them,
 *   its Kafka topic, partition and offset).
 * - Cancels when: downstream cancels.
 *
 * @example examples/cassandra-sink.ts
 */
export function cassandraBind<T>(options: CassandraBindOptions<T>): Flow<T, BoundStatement<T>> {
  const stage = 'cassandraBind';
  if (typeof options?.cql !== 'string' || options.cql.trim() === '') throw new ConfigError(`${stage}: cql must be a statement`, { stage });
  if (typeof options.bind !== 'function') throw new ConfigError(`${stage}: bind must be a function`, { stage });
  if (options.key !== undefined && typeof options.key !== 'function') throw new ConfigError(`${stage}: key must be a function`, { stage });
  const { cql, bind, key: keyOf } = options;
  const idempotent = options.idempotent ?? false;
  const markers = countMarkers(cql);

  const failed = (item: T, key: string | undefined, message: string, cause?: unknown): CassandraError => {
    const where = coordinatesOf(item);
    const at = where === undefined ? '' : `, ${describeCoordinates(where)}`;
    return new CassandraError(`${stage}: ${message}${key === undefined ? '' : ` (key ${key})`} (statement: ${cql}${at})`, { cause, statement: cql, key, stage, ...where });
  };

  const bindOne = async (item: T, attempt: number): Promise<BoundStatement<T> | null> => {
    let key: string | undefined;
    let params: readonly unknown[] | null;
    try {
      key = keyOf === undefined ? undefined : String(keyOf(item));
      params = await bind(item, { attempt });
    } catch (error) {
      throw failed(item, key, `could not bind an element: ${messageOf(error)}`, error);
    }
    if (params === null) return null;
    if (!Array.isArray(params)) throw failed(item, key, `bind must return an array of parameters or null, got ${typeof params}`);
    if (markers !== undefined && params.length !== markers) {
      throw failed(item, key, `the statement has ${markers} markers but bind gave ${params.length} parameters`);
    }
    return { query: cql, params, key, idempotent, item, rebind: () => bindOne(item, attempt + 1) };
  };

  return defineFlow<T, BoundStatement<T>>(stage, (upstream, ctx) => ({
    async pull(max) {
      for (;;) {
        const chunk = await upstream.pull(max);
        if (chunk === undefined) return undefined;
        const bound = await Promise.all(chunk.items.map((item) => bindOne(item, 1)));
        const out = new ChunkBuilder<BoundStatement<T>>();
        for (let i = 0; i < bound.length; i++) {
          const b = bound[i];
          if (b === null) {
            ackAt(chunk, i);
            ctx.metrics.count('skipped');
            ctx.metrics.dropped++;
          } else out.push(b, chunk.acks?.[i]);
        }
        if (out.length > 0) return out.take();
      }
    },
    cancel: (reason) => upstream.cancel(reason),
  }));
}
