// The CLI's argument checks: every problem of a command line is collected and said on one line.
import { describe, expect, it } from 'vitest';
import { Args, parse, parseTime, UsageError } from '../../src/cli/args.js';
import { keyspaceOption, topicOption } from '../../src/cli/options.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');

function problemsOf(check: (a: Args) => void, values: Record<string, string | boolean | undefined>): readonly string[] {
  const a = new Args(values);
  check(a);
  return a.problems;
}

describe('parse', () => {
  it('turns an unknown option or a stray argument into a UsageError at once', () => {
    expect(() => parse(['--nope', 'x'], { keyspace: { type: 'string' } })).toThrow(UsageError);
    expect(() => parse(['stray'], { keyspace: { type: 'string' } })).toThrow(UsageError);
    expect(() => parse(['--keyspace'], { keyspace: { type: 'string' } })).toThrow(/argument missing/);
  });

  it('collects every problem and done() says them all in one line', () => {
    const a = parse(['--keyspace', 'a; DROP', '--commands', 'ten'], { domain: { type: 'string' }, keyspace: { type: 'string' }, commands: { type: 'string' } });
    a.required('domain');
    keyspaceOption(a);
    a.int('commands', 10);
    expect(() => a.done()).toThrow(UsageError);
    try {
      a.done();
    } catch (error) {
      const message = (error as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toBe(
        '--domain is required; --keyspace must be a CQL identifier (a letter, then letters, digits or _; at most 48), got "a; DROP"; ' +
          '--commands must be a whole number from 1 to 9007199254740991, got "ten"',
      );
    }
  });

  it('done() is quiet when nothing is wrong', () => {
    const a = parse(['--keyspace', 'ks'], { keyspace: { type: 'string' } });
    expect(keyspaceOption(a)).toBe('ks');
    expect(() => a.done()).not.toThrow();
  });
});

describe('Args', () => {
  it('int: fallback when absent, bounds and whole numbers only', () => {
    expect(new Args({}).int('n', 7)).toBe(7);
    expect(new Args({ n: ' 12 ' }).int('n', 7)).toBe(12);
    expect(problemsOf((a) => a.int('n', 7, 1, 64), { n: '65' })).toEqual(['--n must be a whole number from 1 to 64, got "65"']);
    expect(problemsOf((a) => a.int('n', 7), { n: '1.5' })).toHaveLength(1);
    expect(problemsOf((a) => a.int('n', 7), { n: '-1' })).toHaveLength(1);
    expect(problemsOf((a) => a.int('n', 7, 0), { n: '0' })).toEqual([]);
  });

  it('time: ISO, ms since the epoch, now and now-<n><unit>', () => {
    expect(parseTime('2026-11-23T09:00:00Z', NOW)?.toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(parseTime('0', NOW)?.getTime()).toBe(0);
    expect(parseTime('now', NOW)?.getTime()).toBe(NOW);
    expect(parseTime('now-2h', NOW)?.getTime()).toBe(NOW - 7_200_000);
    expect(parseTime('now-30m', NOW)?.getTime()).toBe(NOW - 1_800_000);
    expect(parseTime('now-1d', NOW)?.getTime()).toBe(NOW - 86_400_000);
    expect(parseTime('yesterday', NOW)).toBeUndefined();
    expect(parseTime('now-2w', NOW)).toBeUndefined();
  });

  it('timeRange: both required, each well-formed, since not after until', () => {
    expect(problemsOf((a) => a.timeRange(NOW), {})).toEqual(['--since is required', '--until is required']);
    expect(problemsOf((a) => a.timeRange(NOW), { since: 'yesterday', until: 'now' })[0]).toMatch(/^--since must be an ISO date\/time .* got "yesterday"$/);
    expect(problemsOf((a) => a.timeRange(NOW), { since: 'now', until: 'now-1h' })).toEqual(['--since (2026-11-23T10:00:00.000Z) is after --until (2026-11-23T09:00:00.000Z)']);
    expect(problemsOf((a) => a.timeRange(NOW), { since: 'now-1h', until: 'now' })).toEqual([]);
  });

  it('oneOf, string and flag', () => {
    expect(problemsOf((a) => a.oneOf('wiring', ['parallel', 'series'], 'parallel'), { wiring: 'diagonal' })).toEqual(['--wiring must be one of parallel, series; got "diagonal"']);
    expect(new Args({}).oneOf('wiring', ['parallel', 'series'], 'series')).toBe('series');
    expect(new Args({}).string('out', 'demo-output')).toBe('demo-output');
    expect(problemsOf((a) => a.string('out', 'x'), { out: '  ' })).toEqual(['--out must not be empty']);
    expect(new Args({ keep: true }).flag('keep')).toBe(true);
    expect(new Args({}).flag('keep')).toBe(false);
  });

  it('check: a thrown UsageError or ConfigError becomes a problem, anything else goes on', () => {
    const a = new Args({});
    expect(a.check(() => { throw new UsageError('bad'); }, 'fallback')).toBe('fallback');
    expect(a.problems).toEqual(['bad']);
    expect(() => a.check(() => { throw new TypeError('bug'); }, 'x')).toThrow(TypeError);
  });
});

describe('shared options', () => {
  it('--keyspace is a CQL identifier, as the library checks it', () => {
    expect(problemsOf(keyspaceOption, { keyspace: 'demo_1' })).toEqual([]);
    expect(problemsOf(keyspaceOption, {})).toEqual(['--keyspace is required']);
    expect(problemsOf(keyspaceOption, { keyspace: '1abc' })).toHaveLength(1);
    expect(problemsOf(keyspaceOption, { keyspace: 'a'.repeat(49) })).toHaveLength(1);
  });

  it('--topic is a legal Kafka topic name', () => {
    expect(problemsOf(topicOption, { topic: 'commands.v1-a_b' })).toEqual([]);
    expect(problemsOf(topicOption, { topic: 'a b' })).toEqual(['--topic must be a Kafka topic name (letters, digits, ".", "_" or "-"; at most 249), got "a b"']);
    expect(problemsOf(topicOption, { topic: '..' })).toHaveLength(1);
    expect(problemsOf(topicOption, { topic: 'x'.repeat(250) })).toHaveLength(1);
  });
});
