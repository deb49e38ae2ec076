// Unit tests of cassandraRetrySink's retry decisions and ordering with a scripted client
// (which errors are retried, how often, rebinding a conditional write). The retry sink
// against a real Cassandra outage: test/integration/cassandra-outage.test.ts.
import { errors, types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { CassandraError, ConfigError, RetriesExhaustedError, cassandraBind, cassandraRetrySink, fromArray } from '../../src/index.js';
import { ScriptedClient, sleep } from '../internal/cassandra/fake-client.js';

const codes = types.responseErrorCodes;
const cql = 'INSERT INTO ks.t (k, v) VALUES (?, ?)';
const fast = { minDelayMs: 1, maxDelayMs: 5 };
const bindKv = (idempotent: boolean) =>
  cassandraBind<{ k: string; v: number }>({ cql, bind: (e) => [e.k, e.v], key: (e) => e.k, idempotent });

describe('cassandraRetrySink (unit, scripted client)', () => {
  it('validates its options when built', () => {
    expect(() => cassandraRetrySink({ client: new ScriptedClient(), retry: { attempts: 0 } })).toThrow(ConfigError);
    expect(() => cassandraRetrySink({ client: new ScriptedClient(), retry: { maxTotalMs: -1 } })).toThrow(/maxTotalMs/);
  });

  it('retries Unavailable, Overloaded, NoHostAvailable and client timeouts until the write lands', async () => {
    const failures = [
      new errors.ResponseError(codes.unavailableException, 'Cannot achieve consistency level ONE'),
      new errors.ResponseError(codes.overloaded, 'overloaded'),
      new errors.NoHostAvailableError({}),
      new errors.OperationTimedOutError('timed out', '127.0.0.1:9042'),
      new errors.ResponseError(codes.writeTimeout, 'write timeout'),
    ];
    const client = new ScriptedClient((_, n) => {
      if (n <= failures.length) throw failures[n - 1];
    });
    const summary = await fromArray([{ k: 'a', v: 1 }]).via(bindKv(true)).runWith(cassandraRetrySink({ client, retry: fast })).done;
    expect(summary).toMatchObject({ written: 1, retries: 5 });
    expect(client.calls).toHaveLength(6);
  });

  it('fails fast on a syntax or invalid-query error: no retry spent', async () => {
    for (const code of [codes.syntaxError, codes.invalid, codes.unauthorized]) {
      const client = new ScriptedClient(() => {
        throw new errors.ResponseError(code, 'no');
      });
      const error = await fromArray([{ k: 'a', v: 1 }]).via(bindKv(true)).runWith(cassandraRetrySink({ client, retry: fast })).done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CassandraError);
      expect(error).not.toBeInstanceOf(RetriesExhaustedError);
      expect((error as CassandraError).statement).toBe(cql);
      expect(client.calls).toHaveLength(1);
    }
  });

  it('does not retry a WriteTimeout of a statement that is not idempotent', async () => {
    const client = new ScriptedClient(() => {
      throw new errors.ResponseError(codes.writeTimeout, 'write timeout');
    });
    const error = await fromArray([{ k: 'a', v: 1 }]).via(bindKv(false)).runWith(cassandraRetrySink({ client, retry: fast })).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CassandraError);
    expect(client.calls).toHaveLength(1);
  });

  it('gives up after `attempts` with a RetriesExhaustedError carrying the cause and the attempts', async () => {
    const unavailable = new errors.ResponseError(codes.unavailableException, 'Cannot achieve consistency level QUORUM');
    const client = new ScriptedClient(() => {
      throw unavailable;
    });
    const error = await fromArray([{ k: 'a', v: 1 }]).via(bindKv(true)).runWith(cassandraRetrySink({ client, retry: { ...fast, attempts: 4 } })).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(4);
    expect((error as RetriesExhaustedError).cause).toBe(unavailable);
    expect((error as RetriesExhaustedError).key).toBe('a');
    expect(client.calls).toHaveLength(4);
  });

  it('gives up once maxTotalMs has passed', async () => {
    const client = new ScriptedClient(async () => {
      await sleep(20);
      throw new errors.NoHostAvailableError({});
    });
    const started = Date.now();
    const error = await fromArray([{ k: 'a', v: 1 }])
      .via(bindKv(true))
      .runWith(cassandraRetrySink({ client, retry: { attempts: 1000, minDelayMs: 5, maxDelayMs: 10, maxTotalMs: 200 } }))
      .done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(client.calls.length).toBeLessThan(20);
  });

  it('re-binds a conditional write that was not applied, with fresh state, until it applies', async () => {
    let version = 0;
    const attempts: number[] = [];
    const client = new ScriptedClient((call) => {
      const expected = call.params[2];
      if (expected !== version || Math.random() < 0.5) return false; // lost the race
      version++;
      return true;
    });
    const bind = cassandraBind<string>({
      cql: 'UPDATE ks.acct SET version = ? WHERE id = ? IF version = ?',
      bind: (id, { attempt }) => {
        attempts.push(attempt);
        return [version + 1, id, version];
      },
      idempotent: true,
    });
    const summary = await fromArray(['a', 'b', 'c', 'd']).via(bind).runWith(cassandraRetrySink({ client, parallelism: 4, retry: { ...fast, attempts: 50 } })).done;
    expect(version).toBe(4);
    expect(summary.written).toBe(4);
    expect(summary.retries).toBe(attempts.length - 4);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  });

  it('keeps writes to one key in order across retries', async () => {
    const failedOnce = new Set<string>();
    const order: number[] = [];
    const client = new ScriptedClient((call) => {
      const v = Number(call.params[1]);
      if (v % 3 === 0 && !failedOnce.has(String(v))) {
        failedOnce.add(String(v));
        throw new errors.ResponseError(codes.overloaded, 'overloaded');
      }
      order.push(v);
    });
    const elements = Array.from({ length: 30 }, (_, v) => ({ k: 'same', v }));
    await fromArray(elements).via(bindKv(true)).runWith(cassandraRetrySink({ client, parallelism: 8, retry: fast })).done;
    expect(order).toEqual(elements.map((e) => e.v));
  });
});
