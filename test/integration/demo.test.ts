// The demo end to end, as a user runs it: a real child process, a real SIGKILL, redelivery,
// one compensation run, and every balance checked against the unique commands.
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
  it('crashes the graph for real, redelivers, compensates once, and every balance is right', async () => {
    const { code, stdout, stderr } = await runCli(['demo', '--commands', '2000', '--accounts', '50']);
    const lines = stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.balancesCorrect).toBe(true);
    expect(result.duplicates).toBeGreaterThan(0);
    expect(result.compensated).toBe(result.commandsWithDuplicates);
    expect(result.secondRunCompensated).toBe(0);
    expect(result.deliveries).toBe(2050 + (result.duplicates as number));
    expect(result.deadLettered).toBeGreaterThan(0);
    expect(stdout).toContain('graph.mmd');
  });

  it('refuses bad arguments with exit code 2 and a clear message', async () => {
    const { code, stderr } = await runCli(['compensate', '--keyspace', 'ks', '--since', 'yesterday', '--until', 'now']);
    expect(code).toBe(2);
    expect(stderr).toContain('--since must be an ISO date/time');
  });
});
