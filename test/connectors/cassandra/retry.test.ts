// Unit tests of the retry policy: a give-up TIME, attempts unbounded unless asked for,
// capped backoff, the hooks the sinks count with, and what the errors name.
import { errors, types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { CassandraError, ConfigError, RetriesExhaustedError } from '../../../src/errors.js';
import { DEFAULT_GIVE_UP_AFTER_MS, type RetryOptions, retryPolicy, withRetries } from '../../../src/connectors/cassandra/retry.js';

const context = { stage: 'test', statement: 'INSERT INTO ks.t (k) VALUES (?)', key: 'k1', idempotent: true, where: { topic: 'orders', partition: 2, offset: '17' } };
const noHost = (): errors.NoHostAvailableError => new errors.NoHostAvailableError({ '127.0.0.1:9042': new Error('connect ECONNREFUSED') });

describe('retry policy (unit)', () => {
  it('gives up after a time (5 minutes by default), with attempts unbounded unless given', () => {
    expect(retryPolicy('s')).toEqual({ attempts: Infinity, minDelayMs: 100, maxDelayMs: 5_000, giveUpAfterMs: DEFAULT_GIVE_UP_AFTER_MS });
    expect(DEFAULT_GIVE_UP_AFTER_MS).toBe(300_000);
    expect(retryPolicy('s', { attempts: 3, giveUpAfterMs: 0 })).toMatchObject({ attempts: 3, giveUpAfterMs: 0 });
    expect(retryPolicy('s', { minDelayMs: 50, maxDelayMs: 10 }).maxDelayMs).toBe(50);
  });

  it('rejects bad options when built, naming them', () => {
    expect(() => retryPolicy('s', { giveUpAfterMs: -1 })).toThrow(/retry.giveUpAfterMs/);
    expect(() => retryPolicy('s', { attempts: 0 })).toThrow(ConfigError);
    expect(() => retryPolicy('s', { maxTotalMs: 1000 } as RetryOptions)).toThrow(/giveUpAfterMs/);
  });

  it('retries beyond any small attempt count until it succeeds within the give-up time', async () => {
    let calls = 0;
    const waiting: number[] = [];
    let retries = 0;
    const result = await withRetries(
      async () => {
        if (++calls <= 25) throw noHost();
        return 'written';
      },
      retryPolicy('s', { minDelayMs: 1, maxDelayMs: 2, giveUpAfterMs: 10_000 }),
      context,
      new AbortController().signal,
      { retry: () => retries++, waiting: (delta) => waiting.push(delta) },
    );
    expect(result).toBe('written');
    expect(calls).toBe(26);
    expect(retries).toBe(25);
    expect(waiting).toEqual([1, -1]);
  });

  it('gives up once giveUpAfterMs has passed, naming the attempts, the time, the statement and the record', async () => {
    let calls = 0;
    const started = Date.now();
    const error = await withRetries(
      async () => {
        calls++;
        throw noHost();
      },
      retryPolicy('s', { minDelayMs: 5, maxDelayMs: 20, giveUpAfterMs: 300 }),
      context,
      new AbortController().signal,
    ).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    const e = error as RetriesExhaustedError;
    expect(e.attempts).toBe(calls);
    expect(calls).toBeGreaterThan(10); // more than the old 10-attempt bound, in 300 ms
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(1_000);
    expect(e.message).toMatch(/gave up after \d+ attempts in 0\.\d s: NoHostAvailable/);
    expect(e.message).toContain('topic orders, partition 2, offset 17');
    expect(e).toMatchObject({ topic: 'orders', partition: 2, offset: '17', key: 'k1', statement: context.statement });
  });

  it('fails at once on what a retry cannot fix, naming the record; `asThrown` passes it on as thrown', async () => {
    const invalid = new errors.ResponseError(types.responseErrorCodes.invalid, 'Key may not be empty');
    const policy = retryPolicy('s');
    const error = await withRetries(() => Promise.reject(invalid), policy, context, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassandraError);
    expect((error as CassandraError).cause).toBe(invalid);
    expect((error as CassandraError).message).toBe(`test: invalid: Key may not be empty (statement: ${context.statement}, key k1, topic orders, partition 2, offset 17)`);
    expect(error).toMatchObject({ topic: 'orders', partition: 2, offset: '17', retriable: false });
    const own = new Error('the domain\'s start failed');
    const thrown = await withRetries(() => Promise.reject(own), policy, { ...context, asThrown: true }, new AbortController().signal).catch((e: unknown) => e);
    expect(thrown).toBe(own);
  });

  it('stops waiting when the run is aborted', async () => {
    const controller = new AbortController();
    const pending = withRetries(() => Promise.reject(noHost()), retryPolicy('s', { minDelayMs: 1_000 }), context, controller.signal).catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error('run aborted')), 20);
    const started = Date.now();
    expect(await pending).toMatchObject({ message: 'run aborted' });
    expect(Date.now() - started).toBeLessThan(500);
  });
});
