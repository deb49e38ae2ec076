// `dendrites run`'s arguments: the defaults it hands the command graph, and prevent mode.
import { describe, expect, it } from 'vitest';
import { runArgs } from '../../src/cli/run.js';

const base = ['--domain', 'money-transfer', '--topic', 't', '--group', 'g', '--keyspace', 'ks'];

describe('dendrites run arguments', () => {
  it('defaults: parallel wiring, duplicates compensated later, commits every 200 ms or 1,000 acks, a 10 s session', () => {
    expect(runArgs(base)).toMatchObject({ wiring: 'parallel', duplicates: 'compensate', commitIntervalMs: 200, commitEveryN: 1_000, sessionTimeoutMs: 10_000 });
  });

  it('--duplicates prevent', () => {
    expect(runArgs([...base, '--duplicates', 'prevent']).duplicates).toBe('prevent');
  });
});
