// Every command checks all its arguments before it connects: bad ones exit 2 with one line on stderr,
// and a server listening where KAFKA_BROKERS and CASSANDRA_CONTACT_POINTS point is never contacted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

let server: net.Server;
let connections = 0;
let tmp: string;
const saved = { ...process.env };

beforeAll(async () => {
  server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  process.env.KAFKA_BROKERS = `127.0.0.1:${port}`;
  process.env.CASSANDRA_CONTACT_POINTS = `127.0.0.1:${port}`;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dendrites-cli-'));
  writeFileSync(path.join(tmp, 'no-demo.mjs'), "export const domain = { name: 'no-demo' };\n");
  writeFileSync(path.join(tmp, 'a-file'), 'not a directory\n');
});

afterAll(async () => {
  process.env.KAFKA_BROKERS = saved.KAFKA_BROKERS;
  process.env.CASSANDRA_CONTACT_POINTS = saved.CASSANDRA_CONTACT_POINTS;
  if (saved.KAFKA_BROKERS === undefined) delete process.env.KAFKA_BROKERS;
  if (saved.CASSANDRA_CONTACT_POINTS === undefined) delete process.env.CASSANDRA_CONTACT_POINTS;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

let stdout: string[];
let stderr: string[];

beforeEach(() => {
  stdout = [];
  stderr = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void stdout.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.join(' ')));
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  stdout.length = 0;
  stderr.length = 0;
  const code = await main(argv);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** Runs a command line that must be refused: exit code 2, one line on stderr containing `says`, nothing connected. */
async function refused(argv: string[], ...says: string[]): Promise<void> {
  const r = await cli(...argv);
  expect({ code: r.code, stdout: r.stdout, lines: r.stderr.split('\n').length }).toEqual({ code: 2, stdout: '', lines: 1 });
  expect(r.stderr).toMatch(new RegExp(`^dendrites ${argv[0]}: `));
  for (const s of says) expect(r.stderr).toContain(s);
  expect(connections).toBe(0);
}

describe('dendrites', () => {
  it('--help prints the commands and exits 0; no command or an unknown one exits 2', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const c of ['demo', 'compensate', 'reconcile', 'run', 'produce', 'graph', 'services']) expect(help.stdout).toContain(`\n  ${c} `);
    expect(help.stderr).toBe('');
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: dendrites <command>');
    const unknown = await cli('compnesate', '--keyspace', 'ks');
    expect(unknown).toEqual({ code: 2, stdout: '', stderr: 'dendrites: unknown command "compnesate"; the commands are demo, compensate, reconcile, run, produce, graph, services (dendrites --help says what each does)' });
  });

  it.each(['demo', 'compensate', 'reconcile', 'run', 'produce', 'graph', 'services'])('%s --help prints its usage and exits 0', async (command) => {
    const r = await cli(command, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: dendrites ${command} `));
    expect(connections).toBe(0);
  });
});

describe('bad arguments exit 2 with one line, before anything connects', () => {
  it('compensate', async () => {
    await refused(['compensate', '--keyspace', 'a; DROP'], '--keyspace must be a CQL identifier', '"a; DROP"', '--domain is required', '--since is required', '--until is required');
    await refused(['compensate', '--domain', 'inventory', '--keyspace', 'ks', '--since', 'now', '--until', 'now-1h'], '--since (', ') is after --until (');
    await refused(['compensate', '--domain', 'no-such-domain', '--keyspace', 'ks', '--since', 'yesterday', '--until', 'now'], 'no sample or module "no-such-domain"', '--since must be an ISO date/time');
    await refused(['compensate', '--domain', 'inventory', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now', '--bucket-ms', '0'], '--bucket-ms must be a whole number from 1');
    await refused(['compensate', '--domain', 'inventory', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now', '--dry-run=yes'], "--dry-run");
    // Checked by the library's compensate(), which does so before its first query: still nothing connects.
    await refused(['compensate', '--domain', 'inventory', '--keyspace', 'ks', '--since', '0', '--until', 'now', '--bucket-ms', '1'], 'buckets; at most 1000000');
  });

  it('reconcile', async () => {
    await refused(['reconcile', '--domain', 'money-transfer', '--topic', 'a topic', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now'], '--topic must be a Kafka topic name', '"a topic"', '--group is required');
    await refused(['reconcile', '--domain', 'money-transfer', '--topic', 't', '--group', 'g', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now', '--repair', 'yes'], "Unexpected argument 'yes'");
    await refused(['reconcile', '--domain', 'money-transfer', '--topic', 't', '--group', 'g', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now', '--duplicates', 'skip'], '--duplicates must be one of compensate, prevent; got "skip"');
  });

  it('run', async () => {
    await refused(['run', '--domain', 'money-transfer', '--topic', 't', '--group', 'g', '--keyspace', 'ks', '--wiring', 'diagonal', '--parallelism', '0'], '--wiring must be one of parallel, series; got "diagonal"', '--parallelism must be a whole number from 1 to 10000, got "0"');
    await refused(['run', '--domain', 'money-transfer', '--topic', 't', '--keyspace', 'ks-1', '--session-timeout-ms', '10'], '--group is required', '"ks-1"', '--session-timeout-ms must be a whole number from 1000');
    await refused(['run', '--domain', 'money-transfer', '--topic', 't', '--group', 'g', '--keyspace', 'ks', '--duplicates', 'ignore'], '--duplicates must be one of compensate, prevent; got "ignore"');
  });

  it('produce', async () => {
    await refused(['produce', '--domain', 'money-transfer', '--topic', 't', '--partitions', '65', '--commands', 'many'], '--partitions must be a whole number from 1 to 64, got "65"', '--commands must be a whole number from 0');
    await refused(['produce', '--domain', path.join(tmp, 'no-demo.mjs'), '--topic', 't'], 'the module exports no `demo`');
  });

  it('graph', async () => {
    await refused(['graph', '--wiring', 'diagonal', '--domain', path.join(tmp, 'missing.mjs')], '--wiring must be one of', 'no sample or module');
  });

  it('demo', async () => {
    await refused(['demo', '--commands', '5', '--partitions', '0'], '--commands must be a whole number from 10', '--partitions must be a whole number from 1 to 64');
    await refused(['demo', '--out', path.join(tmp, 'a-file')], '--out must be a directory');
    await refused(['demo', '--domain', path.join(tmp, 'no-demo.mjs')], 'the module exports no `demo`');
  });

  it('services', async () => {
    await refused(['services'], 'say what to do: up, down, status, logs');
    await refused(['services', 'restart'], 'unknown action "restart"');
    await refused(['services', 'up', 'now'], 'up takes no arguments');
    await refused(['services', 'logs', 'many'], 'logs LINES must be a whole number');
  });
});

describe('the same server is reached once the arguments are right', () => {
  it('compensate connects (and fails on one line: this server hangs up on everyone)', async () => {
    const r = await cli('compensate', '--domain', 'inventory', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now');
    expect(connections).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dendrites compensate: cannot reach Cassandra at 127\.0\.0\.1:\d+ \(NoHostAvailableError: .*\); start it with `dendrites services up` or set CASSANDRA_CONTACT_POINTS$/);
    connections = 0;
  });
});
