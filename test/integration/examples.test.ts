// The examples that need Kafka and Cassandra run to the end against the real services.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from './env.js';

const run = promisify(execFile);
const tsx = (file: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', file, ...args], { env: process.env, maxBuffer: 16 * 1024 * 1024 });

describe('examples against the real services', () => {
  it('kafka-pipeline consumes what it produced and exits 0', async () => {
    const { stdout } = await tsx('examples/kafka-pipeline.ts', kafkaBrokers().join(','));
    expect(stdout.length).toBeGreaterThan(0);
  });

  it('cassandra-sink writes, logs and reads back history and exits 0', async () => {
    const { stdout } = await tsx('examples/cassandra-sink.ts');
    expect(stdout.length).toBeGreaterThan(0);
  });

  it('cqrs-money-transfer exits 0', async () => {
    const { stdout } = await tsx('examples/cqrs-money-transfer.ts');
    expect(stdout.length).toBeGreaterThan(0);
  });

  it('own-domain runs a domain of its own through the graph and the job: the duplicate is undone', async () => {
    const { stdout } = await tsx('examples/own-domain.ts');
    const lines = stdout.trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1])).toEqual({ compensated: 1, duplicateDeliveries: 1, correct: true });
  });
});
