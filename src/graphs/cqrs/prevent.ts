/**
 * Prevent mode (`duplicates: 'prevent'`): the service branch claims each command before it
 * applies it, so a duplicate delivery never takes effect.
 *
 * The claim is one row per command in `dendrites_claims`, written ONLY by a lightweight
 * transaction (`INSERT ... IF NOT EXISTS`, consistency QUORUM, serial consistency SERIAL)
 * and read only at SERIAL: the first delivery to claim a command becomes its OWNER, for
 * good, and every delivery of the command learns the same owner. A delivery then
 *
 * - is the owner: it writes its effects (the domain's upserts and its `applied` journal
 *   rows, one logged batch), as in the default mode;
 * - is not: if the owner's `applied` journal row is there, the owner's effects are in
 *   (same logged batch): it writes nothing (a prevented duplicate); otherwise (the owner's
 *   process died between its claim and its effects, or it is still writing them) it writes
 *   the effects AS THE OWNER: the owner's delivery id and Kafka coordinates, so exactly
 *   the owner's rows. Writing one delivery's effects twice is harmless by the domain's
 *   contract (`apply`: a retry does it), so no crash point and no race gives a second effect.
 *
 * An LWT that times out (WriteTimeout of the CAS, a client timeout, a lost connection) has
 * an unknown outcome: the claim is read at SERIAL (which completes a Paxos round in
 * progress) and the row read decides; no row means nobody claimed it, and the claim is
 * tried again. The journal and the domain's tables are never written by an LWT, the claims
 * table never by a plain write: LWT and plain writes never meet on the same cells.
 */
import { types } from 'cassandra-driver';
import type { Flow } from '../../core/dsl.js';
import { mapAsync } from '../../stages/map-async.js';
import type { CqlClient, CqlQueryOptions, CqlResult } from '../../connectors/cassandra/client.js';
import { classify } from '../../connectors/cassandra/classify.js';
import { coordinatesOf } from '../../connectors/cassandra/coordinates.js';
import type { Delivery } from '../../connectors/cassandra/event-log.js';
import { type RetryPolicy, type WriteContext, withRetries } from '../../connectors/cassandra/retry.js';
import type { CommandDelivery } from './domain.js';
import { CLAIMS_TABLE, JOURNAL_TABLE } from './tables.js';

/** The delivery that owns a command: the one whose claim applied. */
export interface ClaimOwner {
  /** Its delivery id (a timeuuid, as text). */
  readonly deliveryId: string;
  /** Its Kafka record timestamp, ms since the epoch (it picks the journal bucket). */
  readonly kafkaTimestamp: number;
  /** Its Kafka topic. */
  readonly topic: string;
  /** Its partition. */
  readonly partition: number;
  /** Its offset. */
  readonly offset: string;
}

/** What one delivery does after its claim is decided. */
export type PreventStep<C> =
  /** Write the effects of `as` (the delivery itself when it owns the command, else the owner). */
  | { readonly kind: 'apply'; readonly as: CommandDelivery<C> }
  /** The owner's effects are written: nothing to write (a prevented duplicate). */
  | { readonly kind: 'skip' };

/** A delivery with its claim decided: what the service branch writes for it. */
export interface Claimed<C> {
  /** The delivery as it came (its Kafka record is what is acknowledged and, if refused, dead-lettered). */
  readonly delivery: CommandDelivery<C>;
  readonly step: PreventStep<C>;
}

/** The claim a delivery makes: itself, as a ClaimOwner. */
export function claimOf(d: Delivery): ClaimOwner {
  const ts = d.kafkaTimestamp;
  return { deliveryId: d.id, kafkaTimestamp: typeof ts === 'number' ? ts : ts.getTime(), topic: d.topic, partition: d.partition, offset: String(d.offset) };
}

/**
 * `d` as the owner delivered it: the owner's delivery id and Kafka coordinates (the same
 * journal rows and, for a domain keyed by delivery, the same rows of its own), the
 * command and the Kafka record as they came. `d` itself when it is the owner.
 */
export function asOwner<C>(d: CommandDelivery<C>, owner: ClaimOwner): CommandDelivery<C> {
  if (owner.deliveryId === d.delivery.id) return d;
  const { deliveryId, kafkaTimestamp, topic, partition, offset } = owner;
  return { ...d, delivery: { ...d.delivery, id: deliveryId, kafkaTimestamp, topic, partition, offset } };
}

/**
 * The decision, pure: the owner applies its own delivery; another delivery skips when the
 * owner's `applied` journal row is written (`ownerApplied`), and otherwise applies the
 * owner's delivery again (harmless if the owner's write lands too: the same rows).
 */
export function preventStep<C>(d: CommandDelivery<C>, owner: ClaimOwner, ownerApplied: boolean): PreventStep<C> {
  if (owner.deliveryId === d.delivery.id) return { kind: 'apply', as: d };
  return ownerApplied ? { kind: 'skip' } : { kind: 'apply', as: asOwner(d, owner) };
}

/** A row of `dendrites_claims` (a read, or the existing row an LWT that did not apply returns) as its owner. */
export function ownerOfRow(row: { get(column: string): unknown }): ClaimOwner {
  const ts = row.get('kafka_timestamp');
  return {
    deliveryId: String(row.get('delivery_id')).toLowerCase(),
    kafkaTimestamp: ts instanceof Date ? ts.getTime() : Number(ts),
    topic: String(row.get('kafka_topic')),
    partition: Number(row.get('kafka_partition')),
    offset: String(row.get('kafka_offset')),
  };
}

/** Whether an LWT's failure leaves its outcome unknown, worth a SERIAL read before trying again (any failure a retry may follow). */
export function mayHaveApplied(error: unknown): boolean {
  return classify(error, true) === 'retry';
}

interface ClaimCql {
  readonly claim: string;
  readonly read: string;
  readonly applied: string;
}

const texts = new Map<string, ClaimCql>();

function cqlOf(keyspace: string): ClaimCql {
  let t = texts.get(keyspace);
  if (t === undefined) {
    t = {
      claim: `INSERT INTO ${keyspace}.${CLAIMS_TABLE} (command_id, delivery_id, kafka_timestamp, kafka_topic, kafka_partition, kafka_offset, claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
      read: `SELECT delivery_id, kafka_timestamp, kafka_topic, kafka_partition, kafka_offset FROM ${keyspace}.${CLAIMS_TABLE} WHERE command_id = ?`,
      applied: `SELECT delivery_id FROM ${keyspace}.${JOURNAL_TABLE} WHERE command_id = ? AND kind = 'applied' AND delivery_id = ?`,
    };
    texts.set(keyspace, t);
  }
  return t;
}

/** The LWT: QUORUM for its commit, SERIAL for its Paxos; not idempotent for the driver (we decide what a timeout means). */
const CLAIM_OPTIONS: CqlQueryOptions = { prepare: true, isIdempotent: false, consistency: types.consistencies.quorum, serialConsistency: types.consistencies.serial };
/** A read of the claim at SERIAL: it sees (and completes) any claim in progress. */
const SERIAL_READ: CqlQueryOptions = { prepare: true, isIdempotent: true, consistency: types.consistencies.serial };
/** A read of the owner's journal row. */
const QUORUM_READ: CqlQueryOptions = { prepare: true, isIdempotent: true, consistency: types.consistencies.quorum };

/** The claims of one graph: the LWT, the SERIAL read, and the read of the owner's journal row, each retried like the writes. */
export class Claims {
  readonly #cql: ClaimCql;

  constructor(
    private readonly client: CqlClient,
    keyspace: string,
    private readonly policy: RetryPolicy,
  ) {
    this.#cql = cqlOf(keyspace);
  }

  /** The owner of `d`'s command: `d` itself if its claim applied, else the delivery that claimed it first. */
  async claim(d: CommandDelivery<unknown>, signal: AbortSignal): Promise<ClaimOwner> {
    const mine = claimOf(d.delivery);
    const params = [d.commandId, mine.deliveryId, new Date(mine.kafkaTimestamp), mine.topic, mine.partition, types.Long.fromString(mine.offset), new Date()];
    return withRetries(async () => this.#attempt(d.commandId, mine, params), this.policy, () => this.#context(this.#cql.claim, d), signal);
  }

  /** What `d` does: claims its command, and when another delivery owns it, reads whether the owner's effects are in. */
  async step<C>(d: CommandDelivery<C>, signal: AbortSignal): Promise<PreventStep<C>> {
    const owner = await this.claim(d, signal);
    const ownerApplied = owner.deliveryId !== d.delivery.id && (await this.ownerApplied(d, owner, signal));
    return preventStep(d, owner, ownerApplied);
  }

  /** Whether the owner's `applied` journal row (written with its effects, one logged batch) is there. */
  async ownerApplied(d: CommandDelivery<unknown>, owner: ClaimOwner, signal: AbortSignal): Promise<boolean> {
    const result = await withRetries(() => this.client.execute(this.#cql.applied, [d.commandId, owner.deliveryId], QUORUM_READ), this.policy, () => this.#context(this.#cql.applied, d), signal);
    return result.rows.length > 0;
  }

  /** Tries the LWT once; an unknown outcome is settled by a SERIAL read (no row: rethrown, so the claim is retried). */
  async #attempt(commandId: string, mine: ClaimOwner, params: unknown[]): Promise<ClaimOwner> {
    let result: CqlResult;
    try {
      result = await this.client.execute(this.#cql.claim, params, CLAIM_OPTIONS);
    } catch (error) {
      if (!mayHaveApplied(error)) throw error;
      const read = await this.client.execute(this.#cql.read, [commandId], SERIAL_READ);
      if (read.rows.length > 0) return ownerOfRow(read.rows[0]);
      throw error;
    }
    if (result.wasApplied()) return mine;
    const row = result.rows[0];
    if (row === undefined) throw new Error(`the claim of command ${commandId} was not applied and returned no row`);
    return ownerOfRow(row);
  }

  #context(statement: string, d: CommandDelivery<unknown>): WriteContext {
    return { stage: 'claim', statement, key: d.commandId, idempotent: true, where: coordinatesOf(d) };
  }
}

/**
 * The claim stage of the service branch in prevent mode: per delivery, the LWT claim of its
 * command and, when another delivery owns it, the read of the owner's journal row; emits
 * the delivery with its PreventStep.
 *
 * - Emits when: a delivery's claim is decided (in the order they are decided).
 * - Backpressures when: `parallelism` deliveries are being claimed and downstream does not pull.
 * - Completes when: upstream completes and every claim in flight is decided.
 * - Fails when: the LWT or a read fails with an error that is not retried (e.g. no table
 *   `dendrites_claims`: run `createCqrsTables`), or retries run out (a RetriesExhaustedError
 *   naming the statement, the command id and the record's coordinates); or upstream fails.
 * - Cancels when: downstream cancels.
 */
export function claimFlow<C>(claims: Claims, parallelism: number): Flow<CommandDelivery<C>, Claimed<C>> {
  return mapAsync<CommandDelivery<C>, Claimed<C>>(
    async (d, { signal }) => ({ delivery: d, step: await claims.step(d, signal) }),
    { parallelism, ordered: false },
  );
}
