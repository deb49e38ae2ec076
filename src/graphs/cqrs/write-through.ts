/**
 * Writing as a flow, for the command graph's in-series wiring: executes each bound
 * statement with the retry policy of the Cassandra sinks and passes the element on once
 * it is written (so the stage after it sees only what was written), in order.
 */
import type { Flow } from '../../core/dsl.js';
import { BadInputError } from '../../errors.js';
import { mapAsync } from '../../stages/map-async.js';
import type { Decoded } from '../../core/records.js';
import type { CqlClient } from '../../connectors/cassandra/client.js';
import { coordinatesOf, recordOf } from '../../connectors/cassandra/coordinates.js';
import { type RetryPolicy, withRetries } from '../../connectors/cassandra/retry.js';
import type { BoundStatement } from '../../connectors/cassandra/statement.js';
import { type OnRecordError, execute, refused } from '../../connectors/cassandra/write.js';

/** An element with nothing to write (prevent mode: a duplicate whose command's effects are in): passed on as written. */
export interface Unwritten<T> {
  readonly unwritten: T;
}

/** A statement to write, or an element with nothing to write. */
export type Write<T> = BoundStatement<T> | Unwritten<T>;

/**
 * Emits `{ ok: true, value: item, record }` once an element's write succeeded (at once for
 * an `Unwritten` element). A failure
 * that is not retried, or retries given up, fails the run with an error naming the
 * statement, the key and the element's topic, partition and offset; with `onRecordError`
 * `'dead-letter'`, a refusal of the element's own values is emitted instead as
 * `{ ok: false, error, record }`, for a `deadLetter` stage after it to park. Each element
 * must carry its Kafka record (see coordinates.ts).
 */
export function writeThrough<T>(client: CqlClient, policy: RetryPolicy, parallelism: number, stage: string, onRecordError: OnRecordError): Flow<Write<T>, Decoded<T>> {
  return mapAsync<Write<T>, Decoded<T>>(
    async (write, { signal }) => {
      if ('unwritten' in write) return passed(write.unwritten, stage);
      const bound = write;
      const record = recordOf(bound.item);
      if (record === undefined) throw new BadInputError(`${stage}: the element carries no Kafka record`, { stage });
      try {
        if (bound.failure !== undefined) throw bound.failure;
        await withRetries(() => execute(client, bound, undefined), policy, () => ({ stage, statement: bound.query, key: bound.key, idempotent: bound.idempotent, where: coordinatesOf(bound.item) }), signal);
      } catch (error) {
        const bad = onRecordError === 'dead-letter' && !signal.aborted ? refused(error, bound.item, stage) : undefined;
        if (bad === undefined) throw error;
        return bad;
      }
      return { ok: true, value: bound.item, record };
    },
    { parallelism, ordered: true },
  );
}

function passed<T>(item: T, stage: string): Decoded<T> {
  const record = recordOf(item);
  if (record === undefined) throw new BadInputError(`${stage}: the element carries no Kafka record`, { stage });
  return { ok: true, value: item, record };
}
