/**
 * What the command graph needs of a domain, and the money-transfer domain as one. A
 * domain narrows decoded commands (bad input goes to the dead letter), says what the
 * service writes for one delivery, and what event a command is logged as.
 */
import type { CqlBatchEntry, CqlClient } from '../cassandra/client.js';
import type { EventLogEntry } from '../cassandra/event-log.js';
import type { Command } from '../avro/command.js';
import type { CommandDelivery } from '../../domain/ledger.js';

export interface CommandDomain<C> {
  /** Shown in diagrams and logs. */
  readonly name: string;
  /**
   * Runs once at the start of each run, before the first record is validated (e.g. read
   * which accounts exist). Default: nothing.
   */
  prepare?(context: { readonly client: CqlClient; readonly keyspace: string }): Promise<void>;
  /** Narrows a decoded command; throws a BadInputError (the record goes to the dead letter with the reason). */
  parse(command: Command): C;
  /** The command's id: the effect rows and the event log are keyed by it. */
  commandId(command: C): string;
  /** The service's upserts for ONE delivery, written as one logged batch. */
  serviceWrites(keyspace: string, delivery: CommandDelivery<C>, bucketMs: number): CqlBatchEntry[];
  /** What the event log records for one delivery (the event's parent is the command id). */
  logEntry(delivery: CommandDelivery<C>): EventLogEntry;
}
