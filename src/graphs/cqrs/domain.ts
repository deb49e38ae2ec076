/**
 * A domain: what the CQRS command graph and the compensation job need to know of YOUR
 * commands. It is a plain object you write, generic in your command type `C` (and in
 * `S`, the state one run of the graph keeps, if it needs any). Nothing here knows of a
 * ledger or of any sample: the library keeps its own bookkeeping (the journal and the
 * event log, see `createCqrsTables`), and the domain only says what one delivery of a
 * command writes and how to undo duplicate deliveries.
 *
 * @example examples/own-domain.ts
 */
import type avro from 'avsc';
import type { CqlBatchEntry, CqlClient } from '../../connectors/cassandra/client.js';
import type { Delivery } from '../../connectors/cassandra/event-log.js';
import type { KafkaRecord } from '../../core/records.js';

/** One CQL statement with its bound values: an upsert the service or the job writes. */
export type CqlStatement = CqlBatchEntry;

/**
 * How a record's value becomes what `parse` narrows: Avro with a reader schema (and the
 * writer schemas to resolve from, as `avroDeserializer` takes them), or a function of
 * your own. Either way, a value that cannot be decoded goes to the dead letter with the
 * reason; the graph goes on.
 */
export type CommandDecoding =
  | {
      /** The reader schema: values are decoded into its shape (docs/avro.md: unions, enums, logical types, longs). */
      readonly avro: avro.Schema | avro.Type;
      /** `'none'` (default): plain Avro binary written with `writerSchema`; `'confluent'`: magic byte 0, 4-byte schema id, Avro. */
      readonly framing?: 'none' | 'confluent';
      /** Framing `'none'`: the producer's schema. Default: the reader schema. */
      readonly writerSchema?: avro.Schema | avro.Type;
      /** Framing `'confluent'`: writer schemas by id. */
      readonly schemas?: Readonly<Record<number, avro.Schema | avro.Type>>;
    }
  | ((value: Buffer, record: KafkaRecord) => unknown);

/** What `start` and the write functions are told. */
export interface DomainContext {
  /** The graph's (or the job's) connected Cassandra client. */
  readonly client: CqlClient;
  /** The keyspace the graph writes to (your tables and the library's). */
  readonly keyspace: string;
}

/** One delivery of a validated command: what both branches of the command graph receive. */
export interface CommandDelivery<C> {
  /** The command, as the domain's `parse` returned it. */
  readonly command: C;
  /** `domain.commandId(command)`, computed once. */
  readonly commandId: string;
  /** This delivery: a time-based id given once per delivery, and the Kafka record it came from. */
  readonly delivery: Delivery;
}

/**
 * An event a command results in, in domain language. The library gives it its id
 * (`eventId(commandId, index)`: the same on every redelivery) and its parent (the command id).
 */
export interface DomainEvent {
  /** What happened, e.g. `item-reserved`. */
  readonly action: string;
  /** The aggregate it happened to (it keys the history table). */
  readonly aggregateId: string;
  /** Stored as JSON. */
  readonly data: unknown;
  /** Event time, ms since the epoch. Default: the Kafka record's timestamp. */
  readonly timestamp?: number;
}

/**
 * Your domain, as the command graphs and the jobs take it: how a record decodes and is
 * narrowed to a command C, the upserts of one delivery, its events, and how to undo extra
 * deliveries. S is the state `start` returns for a run. docs/cqrs.md is the guide.
 */
export interface CommandDomain<C, S = undefined> {
  /** Shown in diagrams, logs and errors. */
  readonly name: string;
  /** How a record's value is decoded before `parse`. */
  readonly decode: CommandDecoding;
  /**
   * Runs once per run of the graph, before the first record is parsed; what it returns is
   * the run's state, handed to `parse` (e.g. the accounts that exist). Default: no state.
   */
  start?(context: DomainContext): S | Promise<S>;
  /**
   * Narrows a decoded value to a command, ONCE per record. Throw a `BadInputError` (or any
   * error) to reject it: the record goes to the dead letter with the reason.
   */
  parse(value: unknown, state: S, record: KafkaRecord): C;
  /** The command's id: the same on every delivery and every redelivery of the command. */
  commandId(command: C): string;
  /**
   * The service's upserts for ONE delivery. The library writes them in one logged batch
   * with its journal row, so "applied" and "journaled" cannot diverge. Writing them twice
   * for the same delivery must be harmless (a retry does); a second delivery may add
   * effects (that is what the job undoes). In prevent mode (`duplicates: 'prevent'`) a
   * delivery of a command another delivery claimed is given as THAT delivery (its id and
   * Kafka coordinates; the Kafka record is the one being delivered), so it writes the same
   * rows again: no second effect.
   */
  apply(delivery: CommandDelivery<C>, context: DomainContext): readonly CqlStatement[];
  /** The events one delivery is logged as (zero or more). Default: none. */
  events?(delivery: CommandDelivery<C>): readonly DomainEvent[];
  /**
   * The upserts that undo `count` extra deliveries of `command` (count ≥ 0): the WHOLE
   * correction, under keys that depend on the command only, so writing it again is
   * harmless and a later run with a larger count overwrites it. Leave it out when the
   * domain's writes are idempotent (a duplicate delivery changes nothing).
   */
  compensate?(command: C, count: number, context: DomainContext): readonly CqlStatement[];
  /** How the journal stores a command for the job to read back. Default `JSON.stringify`. */
  encode?(command: C): string;
  /** The inverse of `encode`. Default `JSON.parse`. */
  decodeStored?(text: string): C;
}

/**
 * Returns `domain` as it is: a function only so the compiler infers `C` and `S` from the
 * object and checks every member against them.
 */
export function defineDomain<C, S = undefined>(domain: CommandDomain<C, S>): CommandDomain<C, S> {
  return domain;
}

/** The id of the `index`-th event of a command: `<command id>` for the first, `<command id>:<index>` after it. */
export function eventId(commandId: string, index: number): string {
  return index === 0 ? commandId : `${commandId}:${index}`;
}
