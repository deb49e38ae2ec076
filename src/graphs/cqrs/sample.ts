/**
 * What `dendrites demo --domain <sample or module>` runs: a domain with a scenario. The
 * samples export one as `demo`; a module of your own can too, and the demo then runs
 * your domain end to end (produce, crash, redeliver, compensate, check).
 */
import type { CqlClient } from '../../connectors/cassandra/client.js';
import type { CommandDomain } from './domain.js';

/** A record to produce: its key (commands of one aggregate share a key, so a partition) and its encoded value. */
export interface ProducedRecord {
  /** The record key. */
  readonly key: string;
  /** The encoded command. */
  readonly value: Buffer;
}

/** How the state in Cassandra compares with the state of each unique command applied once. */
export interface StateCheck {
  /** What was compared, e.g. 100 accounts. */
  readonly checked: number;
  /** How many of them differ. */
  readonly wrong: number;
  /** What a compared thing is, e.g. `accounts`, `SKUs`. */
  readonly unit: string;
}

/** The commands of one demo run, and how to check the outcome. */
export interface DemoScenario {
  /** Produced first and committed before the crash phase (e.g. opening accounts, stocking items). */
  readonly setup: readonly ProducedRecord[];
  /** The stream the demo crashes in the middle of. */
  readonly commands: readonly ProducedRecord[];
  /** Records that must go to the dead letter (undecodable, or rejected by `parse`). */
  readonly bad: readonly ProducedRecord[];
  /** Compares Cassandra's state with every unique command of `setup` and `commands` applied once. */
  check(client: CqlClient, keyspace: string): Promise<StateCheck>;
}

/** A domain with a demo scenario: what a sample (or a module of your own) exports as `demo` for `dendrites demo`. */
export interface DemoSample<C = unknown, S = unknown> {
  /** The domain the demo runs. */
  readonly domain: CommandDomain<C, S>;
  /** Creates the domain's own tables in `keyspace` (the demo creates the keyspace and the library's tables). */
  createTables(client: CqlClient, keyspace: string): Promise<void>;
  /** About `commands` commands (plus setup and a few bad records), deterministic for a seed. */
  scenario(options: { readonly commands: number; readonly seed?: number }): DemoScenario;
}
