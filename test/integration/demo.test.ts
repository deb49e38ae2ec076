// The demo end to end, as a user runs it, for each sample: a real child process, a real SIGKILL,
// redelivery, the compensation job, and the state checked against the unique commands.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  it.each([
    { domain: 'money-transfer' },
    { domain: 'inventory' },
  ])('$domain: crashes the graph for real, redelivers, compensates once, and the state is right', async ({ domain }) => {
    const { code, stdout, stderr } = await runCli(['demo', '--domain', domain, '--commands', '2000']);
    const lines = stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]) as Record<string, number | string | boolean>;
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stateCorrect).toBe(true);
    expect(result.wrong).toBe(0);
    expect(result.checked).toBeGreaterThan(0);
    expect(result.duplicates).toBeGreaterThan(0);
    expect(result.wrongBeforeJob).toBeGreaterThan(0); // the crash left duplicates that the job repaired
    expect((result.compensated as number) + (result.idempotent as number)).toBe(result.commandsWithDuplicates);
    expect(result.secondRunCompensated).toBe(0);
    expect(result.deliveries).toBe((result.commands as number) - (result.bad as number) + (result.duplicates as number));
    expect(result.bad).toBeGreaterThan(0);
    expect(result.deadLettered).toBeGreaterThanOrEqual(result.bad as number);
    expect(stdout).toContain('graph.mmd');
  });

  it('refuses bad arguments with exit code 2 and a clear message, before connecting', async () => {
    const since = await runCli(['compensate', '--domain', 'money-transfer', '--keyspace', 'ks', '--since', 'yesterday', '--until', 'now']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since must be an ISO date/time');
    const noDomain = await runCli(['compensate', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now']);
    expect(noDomain.code).toBe(2);
    expect(noDomain.stderr).toContain('--domain is required');
    const unknown = await runCli(['compensate', '--domain', 'no-such-domain', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no sample or module "no-such-domain"');
    const keyspace = await runCli(['compensate', '--domain', 'inventory', '--keyspace', 'a; DROP KEYSPACE x', '--since', 'now-1h', '--until', 'now']);
    expect(keyspace.code).toBe(2);
    expect(keyspace.stderr).toContain('--keyspace must be a CQL identifier');
  });
});
