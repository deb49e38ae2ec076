/**
 * What each branch of the command graph writes for one delivery, as the statements of one
 * logged batch. The graph binds them (parts.ts) and reconcile repairs with them, so a
 * repaired command is written exactly as the graph would have written it.
 */
import type { CqlBatchEntry } from '../../connectors/cassandra/client.js';
import { eventLogInserts } from '../../connectors/cassandra/event-log.js';
import { type CommandDelivery, type CommandDomain, type DomainContext, eventId } from './domain.js';
import { journalWrites } from './journal.js';

/** The service branch: the domain's upserts, then the `applied` journal rows (with the command as the domain encodes it). */
export function appliedWrites<C, S>(domain: CommandDomain<C, S>, context: DomainContext, bucketMs: number, d: CommandDelivery<C>): CqlBatchEntry[] {
  const encode = domain.encode ?? JSON.stringify;
  return [...domain.apply(d, context), ...journalWrites(context.keyspace, d, 'applied', bucketMs, encode(d.command))];
}

/** The event-log branch: two rows per event of the domain's (ids from `eventId`, parent the command id), then the `logged` journal rows. */
export function loggedWrites<C, S>(domain: CommandDomain<C, S>, keyspace: string, bucketMs: number, d: CommandDelivery<C>): CqlBatchEntry[] {
  const writes: CqlBatchEntry[] = [];
  const events = domain.events === undefined ? [] : domain.events(d);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const event = { id: eventId(d.commandId, i), parent: d.commandId, action: e.action, data: e.data, timestamp: e.timestamp ?? d.delivery.kafkaTimestamp };
    for (const w of eventLogInserts(keyspace, { event, aggregateId: e.aggregateId, delivery: d.delivery }, bucketMs)) writes.push(w);
  }
  for (const w of journalWrites(keyspace, d, 'logged', bucketMs, undefined)) writes.push(w);
  return writes;
}
