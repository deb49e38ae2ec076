// A scripted stand-in for the driver's Client, for UNIT tests of the sinks' own logic
// (retry classification, per-key ordering, parallelism, acknowledgements). It is not a
// model of Cassandra: everything about Cassandra itself is tested against the real node
// in test/integration/cassandra-*.test.ts.
import type { CqlBatchEntry, CqlClient, CqlQueryOptions, CqlResult } from '../../../src/connectors/cassandra/client.js';

export interface Call {
  readonly query: string;
  readonly params: readonly unknown[];
  readonly options: CqlQueryOptions;
}

export type Script = (call: Call, n: number) => Promise<boolean | void> | boolean | void;

export const result = (applied = true): CqlResult => ({ rows: [], pageState: null, wasApplied: () => applied });

/** A client whose `execute` runs `script` (return false: a conditional write not applied; throw: fail). */
export class ScriptedClient implements CqlClient {
  readonly calls: Call[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly script: Script = () => true) {}

  async execute(query: string, params: unknown[], options: CqlQueryOptions): Promise<CqlResult> {
    const call = { query, params, options };
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const applied = await this.script(call, this.calls.length);
      return result(applied !== false);
    } finally {
      this.inFlight--;
    }
  }

  async batch(queries: CqlBatchEntry[], options: CqlQueryOptions): Promise<CqlResult> {
    return this.execute(queries.map((q) => q.query).join('; '), queries.flatMap((q) => q.params), options);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
