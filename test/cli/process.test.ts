// The `dendrites` program as a person runs it (a real process under tsx): exit codes, and one line on
// stderr when Kafka or Cassandra cannot be reached. The servers are on closed ports of this machine,
// so the clients are refused at once.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const UNREACHABLE = { KAFKA_BROKERS: '127.0.0.1:1', CASSANDRA_CONTACT_POINTS: '127.0.0.1:2', SERVICES_UP_TIMEOUT_MS: '1000' };

function dendrites(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, ...UNREACHABLE }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe.concurrent('dendrites, the program', { timeout: 120_000 }, () => {
  it('--help: the usage on stdout, exit 0', async () => {
    const r = await dendrites(['--help']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^usage: dendrites <command> \[options\]/);
  });

  it('bad arguments: exit 2, one line naming them', async () => {
    const r = await dendrites(['compensate', '--keyspace', 'a; DROP']);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('--keyspace must be a CQL identifier (a letter, then letters, digits or _; at most 48), got "a; DROP"');
  });

  it('compensate, Cassandra unreachable: exit 1, one line naming it and what to do', async () => {
    const r = await dendrites(['compensate', '--domain', 'money-transfer', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'dendrites compensate: cannot reach Cassandra at 127.0.0.1:2 (NoHostAvailableError: 127.0.0.1:2: connect ECONNREFUSED 127.0.0.1:2); start it with `dendrites services up` or set CASSANDRA_CONTACT_POINTS',
    ]);
  });

  it('produce, Kafka unreachable: exit 1, one line (kafkaAdmin\'s error, kafkajs logging nothing)', async () => {
    const r = await dendrites(['produce', '--domain', 'inventory', '--topic', 'commands', '--commands', '10']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'dendrites produce: cannot reach Kafka at 127.0.0.1:1 (KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:1); start it with `dendrites services up` or set KAFKA_BROKERS',
    ]);
  });

  it('reconcile, Kafka unreachable (a kafkajs client of the CLI, not kafkaAdmin): exit 1, one line', async () => {
    const r = await dendrites(['reconcile', '--domain', 'money-transfer', '--topic', 'commands', '--group', 'g', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^dendrites reconcile: cannot reach Kafka at 127\.0\.0\.1:1 \(KafkaJS\w+: .*ECONNREFUSED.*\); start it with `dendrites services up` or set KAFKA_BROKERS\n$/);
  });

  it('demo, servers configured but down: exit 1 after SERVICES_UP_TIMEOUT_MS, one line on stderr', async () => {
    const r = await dendrites(['demo', '--commands', '10']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^dendrites demo: cannot reach (Kafka at 127\.0\.0\.1:1|Cassandra at 127\.0\.0\.1:2) \((kafka|cassandra) did not become healthy within 1s .*\); start it with `dendrites services up` or set (KAFKA_BROKERS|CASSANDRA_CONTACT_POINTS)\n$/);
    expect(r.stdout).toContain('not starting anything, waiting for health');
  });
});
