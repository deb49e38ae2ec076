/**
 * The CQRS command graph of YOUR domain (a CommandDomain), in two wirings over the same input:
 *
 *   commands (kafkaSource) → consumerRecordsDequeue → decode (Avro or your function) →
 *   parse (your `parse`, once per record) → deadLetter →
 *   delivery-id (one time-based UUID per delivery, BEFORE the fan-out) → ...
 *
 * - `parallelCommandGraph`: broadcast(2) → service branch (the domain's upserts and the
 *   journal row as one logged batch → cassandraRetrySink) and event-log branch (the
 *   domain's events, each with `parent` = command id, and the journal row as one logged
 *   batch → cassandraRetrySink). A record's offset commits only when both
 *   branches have acknowledged it (broadcast joins the acknowledgements). A crash can
 *   leave a delivery applied but not logged or logged but not applied; the compensation
 *   job (src/graphs/compensation-job.ts) is right for every such crash point.
 * - `seriesCommandGraph`: the service, then the log: a command whose service write
 *   failed is never logged.
 *
 * With `duplicates: 'prevent'` the service branch claims each command (an LWT on
 * `dendrites_claims`) before it applies it, and a delivery of a command already applied
 * writes nothing (or, when the claiming delivery's effects are not in yet, writes exactly
 * that delivery's effects again): a duplicate never takes effect. The event-log branch
 * still logs every delivery. See src/graphs/cqrs/prevent.ts and docs/cqrs.md, "Prevent mode".
 *
 * Either branch can be replaced by a function of your own (`service`, `eventLog`: called
 * per delivery, like `forEach`). Bad input (undecodable, or rejected by your `parse`)
 * goes to the dead-letter topic with the reason in its headers; the graph goes on and the
 * record's offset commits. The keyspace needs the library's tables (`createCqrsTables`)
 * besides your own.
 *
 * @example examples/own-domain.ts
 */
import type { RunnableGraph } from '../core/run.js';
import { broadcast } from '../stages/broadcast.js';
import { graph } from './builder.js';
import type { CommandDelivery } from './cqrs/domain.js';
import { branchSink, deliveries, serviceFlow } from './cqrs/parts.js';
import { type CommandGraphOptions, checkGraphOptions } from './cqrs/options.js';

export type { BranchFunction, CommandGraphOptions, DuplicatesMode } from './cqrs/options.js';
export { DEFAULT_GRAPH_PARALLELISM, GRAPH_FETCH_DEFAULTS } from './cqrs/options.js';
export type { Branch, FaultHooks } from './cqrs/faults.js';

/** What a parallel command graph's run resolves with: each branch sink's summary (undefined for a function branch). */
export interface CommandGraphResult {
  /** The service branch's summary (a `CassandraWriteSummary`), or undefined for a function branch. */
  readonly service: unknown;
  /** The event-log branch's summary (a `CassandraWriteSummary`), or undefined for a function branch. */
  readonly eventLog: unknown;
}

/** What a series command graph's run resolves with: the event-log sink's summary. */
export interface SeriesGraphResult {
  /** The event-log sink's summary (a `CassandraWriteSummary`), or undefined for a function branch. */
  readonly eventLog: unknown;
}

/** Service and event log in parallel branches after one fan-out. See the module comment. */
export function parallelCommandGraph<C, S = undefined>(options: CommandGraphOptions<C, S>): RunnableGraph<CommandGraphResult> {
  const o = checkGraphOptions('parallelCommandGraph', options);
  return graph((b) => {
    const fanout = b.add(broadcast<CommandDelivery<C>>(2), 'fanout');
    b.connect(deliveries(o), fanout);
    const service = b.add(branchSink(o, 'service'));
    const eventLog = b.add(branchSink(o, 'log'));
    b.connect(fanout.out(0), service);
    b.connect(fanout.out(1), eventLog);
    return { service, eventLog };
  });
}

/** The service, then the event log, in one line: nothing is logged that the service did not write. */
export function seriesCommandGraph<C, S = undefined>(options: CommandGraphOptions<C, S>): RunnableGraph<SeriesGraphResult> {
  const o = checkGraphOptions('seriesCommandGraph', options);
  return graph((b) => {
    const eventLog = b.add(branchSink(o, 'log'));
    b.connect(deliveries(o).via(serviceFlow(o)), eventLog);
    return { eventLog };
  });
}
