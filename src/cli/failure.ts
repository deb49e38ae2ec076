/**
 * What the CLI says when a command fails: one line a person can act on, and the exit code.
 * Bad arguments (a UsageError, or a ConfigError from the library) exit 2; everything else exits 1.
 * A server that cannot be reached is named with the address the CLI used and what to do about it;
 * only an error nobody expected (a bug) comes with its stack trace.
 *
 * This module loads neither kafkajs nor cassandra-driver: it recognises their errors by name, so it
 * also explains that a peer dependency is missing.
 */
import { createRequire } from 'node:module';
import { ConfigError, DendritesError, messageOf } from 'dendrites';
import { connectionSettings, type ConnectionSettings } from '../../services/config.js';
import { UsageError } from './args.js';

export interface Failure {
  /** 2: bad arguments; 1: the command failed. */
  readonly code: 1 | 2;
  /** What to print after `dendrites <command>: `: one line, except the output of a failed services step. */
  readonly message: string;
  /** The stack trace, for an error nobody expected. */
  readonly stack?: string;
}

/** The peer dependencies the CLI loads: a user may have installed dendrites without them. */
const PEERS = new Set(['kafkajs', 'cassandra-driver', 'avsc']);

/** kafkajs errors that mean no broker answered. */
const KAFKA_UNREACHABLE = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSBrokerNotFound', 'KafkaJSNoBrokerAvailableError', 'KafkaJSRequestTimeoutError']);
/** Socket failures of a server that is not there. */
const SOCKET = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN)\b|Connection timeout/;
/** cassandra-driver's error classes (their `name`). */
const DRIVER_ERRORS = new Set(['ResponseError', 'OperationTimedOutError', 'AuthenticationError', 'ArgumentError', 'DriverInternalError', 'NotSupportedError', 'BusyConnectionError', 'DriverError']);

/** Whether `name` resolves from here (as the CLI's own imports would). */
function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** `text` on one line: its line breaks (and the indentation after them) become single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function nameOf(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}

function field(e: unknown, key: string): unknown {
  return typeof e === 'object' && e !== null && key in e ? (e as Record<string, unknown>)[key] : undefined;
}

/** The error and its causes (`cause`, and kafkajs' `originalError`), outermost first. */
export function causesOf(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && !chain.includes(e) && chain.length < 10; e = field(e, 'cause') ?? field(e, 'originalError')) {
    chain.push(e);
  }
  return chain;
}

/** The first line of an error's message: driver messages may embed a stack. */
function firstLine(e: unknown): string {
  return messageOf(e).split('\n')[0].trim();
}

/** Why cassandra-driver found no host: each host tried and its error. */
function noHostReason(e: unknown): string {
  const inner = field(e, 'innerErrors');
  if (typeof inner === 'object' && inner !== null) {
    const hosts = Object.entries(inner as Record<string, unknown>).map(([host, err]) => `${host}: ${firstLine(err)}`);
    if (hosts.length > 0) return hosts.join(', ');
  }
  return firstLine(e);
}

function unreachableKafka(chain: readonly unknown[]): boolean {
  return chain.some((e) => {
    const name = nameOf(e);
    if (KAFKA_UNREACHABLE.has(name)) return true;
    const code = field(e, 'code');
    return (name.startsWith('KafkaJS') || e instanceof DendritesError) && (SOCKET.test(messageOf(e)) || (typeof code === 'string' && SOCKET.test(code)));
  });
}

/** The one line for a server the CLI could not reach. */
function cannotReach(server: 'Kafka' | 'Cassandra', where: readonly string[], reason: string): string {
  const setting = server === 'Kafka' ? 'KAFKA_BROKERS' : 'CASSANDRA_CONTACT_POINTS';
  return `cannot reach ${server} at ${where.join(',')} (${oneLine(reason)}); start it with \`dendrites services up\` or set ${setting}`;
}

/** What to say about `error`, thrown by a command run with `settings`. */
export function failureOf(error: unknown, settings: ConnectionSettings = connectionSettings()): Failure {
  if (error instanceof UsageError || error instanceof ConfigError) return { code: 2, message: oneLine(messageOf(error)) };
  const chain = causesOf(error);

  const missing = chain.find((e) => field(e, 'code') === 'ERR_MODULE_NOT_FOUND');
  if (missing !== undefined) {
    const pkg = /Cannot find package '([^']+)'/.exec(messageOf(missing))?.[1];
    if (pkg !== undefined && PEERS.has(pkg)) {
      // Name every peer that is missing, not only the first one the command happened to import.
      const all = [...PEERS].filter((p) => p === pkg || !installed(p));
      const what = all.length === 1 ? `the npm package ${pkg}, a peer dependency of dendrites that is` : `the npm packages ${all.join(', ')}, peer dependencies of dendrites that are`;
      return { code: 1, message: `this command needs ${what} not installed: npm install ${all.join(' ')}` };
    }
    return { code: 1, message: firstLine(missing) };
  }

  const noHost = chain.find((e) => nameOf(e) === 'NoHostAvailableError');
  if (noHost !== undefined) return { code: 1, message: cannotReach('Cassandra', settings.cassandraContactPoints, `NoHostAvailableError: ${noHostReason(noHost)}`) };

  if (unreachableKafka(chain)) {
    // The innermost kafkajs error says what happened (the outer ones say that retries ran out).
    const kafkajs = chain.filter((e) => nameOf(e).startsWith('KafkaJS'));
    const root = kafkajs[kafkajs.length - 1] ?? chain[chain.length - 1];
    return { code: 1, message: cannotReach('Kafka', settings.kafkaBrokers, `${nameOf(root)}: ${firstLine(root)}`) };
  }

  if (nameOf(error) === 'ServicesError') {
    // The local services launcher: its messages are written for people (a failed step may add its output).
    const m = /^(kafka|cassandra) did not become healthy[^\n]*/.exec(messageOf(error));
    if (m !== null) {
      return m[1] === 'kafka' ? { code: 1, message: cannotReach('Kafka', settings.kafkaBrokers, m[0]) } : { code: 1, message: cannotReach('Cassandra', settings.cassandraContactPoints, m[0]) };
    }
    return { code: 1, message: messageOf(error).trim() };
  }

  if (error instanceof DendritesError) return { code: 1, message: oneLine(messageOf(error)) };
  const name = nameOf(error);
  if (DRIVER_ERRORS.has(name) && field(error, 'info') !== undefined) return { code: 1, message: `Cassandra: ${name}: ${firstLine(error)}` };
  if (name.startsWith('KafkaJS')) return { code: 1, message: `Kafka: ${name}: ${firstLine(error)}` };
  // Nobody expected this one: keep its stack for the bug report.
  return { code: 1, message: `${name}: ${firstLine(error)}`, stack: error instanceof Error ? error.stack : undefined };
}
