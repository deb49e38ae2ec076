// Contender: the write ceiling. The same two writes per command as the baseline (same
// statements, prepared), from memory: no Kafka, no decode, no validation, no commits. The
// statements are streamed: each command's pair is bound when the command starts, nothing is
// bound up front. The run sweeps the number of writes in flight as it goes: the commands are
// cut into one segment per level (`levels`, in the order given), the level switches without
// draining, and each segment's rate is the commands completed between the start of the segment
// and the start of the next (the last: until its last command started) over that time. The
// ceiling is the best segment's rate; the run's overall rate is reported beside it.
import { sampleCommands } from 'dendrites/samples/money-transfer';
import { type ChildConfig, type ChildResult, cpuMsSince, newCassandra, peakRssMb, transferCql, transferStatements } from './common.js';

export const CEILING_LEVELS: readonly number[] = [16, 32, 64, 128, 256, 512];
const PREPARED = { prepare: true } as const;

export async function runCeiling(config: ChildConfig): Promise<ChildResult> {
  const levels = config.levels ?? CEILING_LEVELS;
  const client = newCassandra(config);
  await client.connect();
  const { transfers } = sampleCommands({ accounts: config.accounts, transfers: config.commands, seed: config.seed });
  const cql = transferCql(config.keyspace);
  const kafkaTimestamp = Date.now();

  const n = transfers.length;
  const segment = Math.ceil(n / levels.length);
  const doneAt = new Float64Array(n);
  const segmentStart: number[] = [];
  let lastStart = 0;
  let inFlight = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const settle = (): void => {
    inFlight -= 2;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const k = Math.floor(i / segment);
    const level = levels[k];
    while (inFlight + 2 > level && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
    if (failure !== undefined) break;
    const now = performance.now();
    if (segmentStart.length === k) segmentStart.push(now);
    lastStart = now;
    const c = transfers[i];
    const d = c.data;
    const [service, log] = transferStatements(
      cql,
      { id: c.id, timestamp: c.timestamp, from_account: d.from_account ?? '', to_account: d.to_account ?? '', amount: d.amount ?? 0 },
      { topic: config.topic, partition: i % 6, offset: String(i), kafkaTimestamp },
    );
    inFlight += 2;
    Promise.all([client.execute(service.query, service.params, PREPARED), client.execute(log.query, log.params, PREPARED)]).then(
      () => {
        doneAt[i] = performance.now();
        settle();
      },
      (error: unknown) => {
        failure ??= error;
        settle();
      },
    );
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failure !== undefined) throw failure;
  const ended = performance.now();
  const windowCpuMs = cpuMsSince(cpu);
  await client.shutdown();

  const sweep = levels.map((concurrency, k) => {
    const from = segmentStart[k];
    const to = k + 1 < segmentStart.length ? segmentStart[k + 1] : lastStart;
    let completed = 0;
    for (let i = 0; i < n; i++) if (doneAt[i] >= from && doneAt[i] < to) completed++;
    return { concurrency, commandsPerSec: to > from ? Math.round((completed / (to - from)) * 1000) : 0 };
  });
  const best = sweep.reduce((a, b) => (b.commandsPerSec > a.commandsPerSec ? b : a));
  const ms = ended - started;
  return {
    contender: 'ceiling',
    commands: n,
    ms: Math.round(ms),
    commandsPerSec: best.commandsPerSec,
    p50Ms: null,
    p99Ms: null,
    latencySamples: 0,
    peakRssMb: peakRssMb(),
    windowCpuMs,
    sweep,
    bestConcurrency: best.concurrency,
    overallCommandsPerSec: Math.round((n / ms) * 1000),
    note: `statements bound as it goes; writes in flight swept over ${[...levels].sort((a, b) => a - b).join(', ')} (${segment} commands each; upwards in odd rounds, downwards in even ones); its rate is the best level's`,
  };
}
