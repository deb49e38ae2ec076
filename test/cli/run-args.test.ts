// `dendrites run`'s arguments: the defaults it hands the command graph, and prevent mode.
import { describe, expect, it } from 'vitest';
import type { StageMetricsSnapshot } from '../../src/core/metrics.js';
import { healthOf, runArgs } from '../../src/cli/run.js';

const base = ['--domain', 'money-transfer', '--topic', 't', '--group', 'g', '--keyspace', 'ks'];

describe('dendrites run arguments', () => {
  it('defaults: parallel wiring, duplicates compensated later, commits every 200 ms or 1,000 acks, a 10 s session', () => {
    expect(runArgs(base)).toMatchObject({ wiring: 'parallel', duplicates: 'compensate', commitIntervalMs: 200, commitEveryN: 1_000, sessionTimeoutMs: 10_000 });
  });

  it('--duplicates prevent', () => {
    expect(runArgs([...base, '--duplicates', 'prevent']).duplicates).toBe('prevent');
  });
});

describe('dendrites run health line', () => {
  const stage = (name: string, waiting: number): StageMetricsSnapshot => ({ stage: name, kind: 'sink', in: 0, out: 0, inFlight: 0, failed: 0, dropped: 0, throughput: 0, counters: { waiting } });
  const of = (commands: number, service: number, log: number): string => healthOf({ elapsedMs: 0, stages: [stage('commands', commands), stage('service', service), stage('event-log', log)] });

  it('names what the graph waits for, and how many writes', () => {
    expect(of(0, 0, 0)).toBe('running');
    expect(of(1, 0, 0)).toBe('waiting for Kafka');
    expect(of(0, 1, 0)).toBe('waiting for Cassandra (1 write waiting to retry)');
    expect(of(1, 2, 3)).toBe('waiting for Kafka, and for Cassandra (5 writes waiting to retry)');
  });
});
