// Contender 3: the write ceiling. The same two writes per command (same statements as the
// baseline), bound up front from memory (no Kafka, no decode), with one executeConcurrent
// over all of them at the concurrency the sweep found best.
import cassandra from 'cassandra-driver';
import { sampleCommands } from 'dendrites/samples/money-transfer';
import { type ChildConfig, type ChildResult, newCassandra, peakRssMb, type Statement, transferCql, transferStatements } from './common.js';

function statements(config: ChildConfig, count: number, offsetBase: number): Statement[] {
  const { transfers } = sampleCommands({ accounts: config.accounts, transfers: count, seed: config.seed });
  const cql = transferCql(config.keyspace);
  const now = Date.now();
  const out: Statement[] = [];
  transfers.forEach((c, i) => {
    const d = c.data;
    out.push(
      ...transferStatements(
        cql,
        { id: c.id, timestamp: c.timestamp, from_account: d.from_account ?? '', to_account: d.to_account ?? '', amount: d.amount ?? 0 },
        { topic: config.topic, partition: i % 6, offset: String(offsetBase + i), kafkaTimestamp: now },
      ),
    );
  });
  return out;
}

async function timed(client: cassandra.Client, queries: Statement[], concurrencyLevel: number): Promise<number> {
  const started = performance.now();
  await cassandra.concurrent.executeConcurrent(client, queries, { concurrencyLevel, raiseOnFirstError: true });
  return performance.now() - started;
}

export async function runCeiling(config: ChildConfig): Promise<ChildResult> {
  const concurrency = config.concurrency ?? 128;
  const client = newCassandra(config);
  await client.connect();
  const queries = statements(config, config.commands, 0);
  const ms = await timed(client, queries, concurrency);
  await client.shutdown();
  return {
    contender: 'ceiling',
    commands: config.commands,
    ms: Math.round(ms),
    commandsPerSec: Math.round((config.commands / ms) * 1000),
    p50Ms: null,
    p99Ms: null,
    latencySamples: 0,
    peakRssMb: peakRssMb(),
    note: `executeConcurrent concurrencyLevel ${concurrency}`,
  };
}

/** Tries each concurrency level on `commands` commands (into a scratch keyspace); reports each rate. */
export async function sweepCeiling(config: ChildConfig): Promise<ChildResult> {
  const client = newCassandra(config);
  await client.connect();
  const levels = config.sweep ?? [32, 64, 128, 256];
  // A short warm-up so the first level does not pay for preparing and JIT.
  await timed(client, statements(config, Math.min(2_000, config.commands), 10_000_000), 64);
  const sweep: { concurrency: number; commandsPerSec: number }[] = [];
  for (const [i, level] of levels.entries()) {
    const ms = await timed(client, statements(config, config.commands, (i + 1) * 1_000_000), level);
    sweep.push({ concurrency: level, commandsPerSec: Math.round((config.commands / ms) * 1000) });
  }
  await client.shutdown();
  const best = sweep.reduce((a, b) => (b.commandsPerSec > a.commandsPerSec ? b : a));
  return { contender: 'ceiling-sweep', commands: config.commands, ms: 0, commandsPerSec: best.commandsPerSec, p50Ms: null, p99Ms: null, latencySamples: 0, peakRssMb: peakRssMb(), sweep };
}
