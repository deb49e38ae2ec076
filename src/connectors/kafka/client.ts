import { Kafka, logLevel as kafkaLogLevel, type KafkaConfig } from 'kafkajs';
import { ConfigError, KafkaError, messageOf } from '../../errors.js';

/** How a Kafka stage reaches the cluster: broker addresses, or a kafkajs client you configured. */
export interface KafkaClientOptions {
  /** Bootstrap brokers, e.g. `['127.0.0.1:9092']`. Give this or `kafka`. */
  readonly brokers?: readonly string[];
  /** A kafkajs client to use instead of `brokers` (TLS, SASL, your logger...). */
  readonly kafka?: Kafka;
  /** kafkajs client id when built from `brokers`. Default `"dendrites"`. */
  readonly clientId?: string;
  /** How much kafkajs logs when built from `brokers`. Default `'warn'`. */
  readonly logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
}

const LOG_LEVELS = { nothing: kafkaLogLevel.NOTHING, error: kafkaLogLevel.ERROR, warn: kafkaLogLevel.WARN, info: kafkaLogLevel.INFO, debug: kafkaLogLevel.DEBUG } as const;

/** Validates the client options of a stage and returns the kafkajs client it will use. */
export function kafkaClient(stage: string, options: KafkaClientOptions): Kafka {
  if (options.kafka !== undefined) {
    if (options.brokers !== undefined) throw new ConfigError(`${stage}: give either brokers or kafka, not both`, { stage });
    return options.kafka;
  }
  const brokers = options.brokers;
  if (brokers === undefined || !Array.isArray(brokers) || brokers.length === 0 || brokers.some((b) => typeof b !== 'string' || b.length === 0)) {
    throw new ConfigError(`${stage}: brokers must be a non-empty list of host:port strings (or give a kafka client)`, { stage });
  }
  const config: KafkaConfig = {
    clientId: options.clientId ?? 'dendrites',
    brokers: [...brokers],
    logLevel: logLevelOf(stage, options.logLevel),
  };
  return new Kafka(config);
}

function logLevelOf(stage: string, level: unknown): kafkaLogLevel {
  if (level === undefined) return kafkaLogLevel.WARN;
  if (typeof level === 'string' && Object.hasOwn(LOG_LEVELS, level)) return LOG_LEVELS[level as keyof typeof LOG_LEVELS];
  throw new ConfigError(`${stage}: logLevel must be one of ${Object.keys(LOG_LEVELS).join(', ')}, got ${String(level)}`, { stage });
}

/** A non-empty string option. */
export function nonEmptyString(stage: string, option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(`${stage}: ${option} must be a non-empty string`, { stage });
  return value;
}

const REBALANCE_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR', 'NOT_COORDINATOR_FOR_GROUP', 'FENCED_INSTANCE_ID']);

/** The kafkajs protocol error type of an error or of one of its causes that `match` accepts, if any. */
function protocolType(error: unknown, match: (type: string) => boolean): string | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e === 'object' && 'type' in e && typeof e.type === 'string' && match(e.type)) return e.type;
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

/** Whether a kafkajs error says the group moved on (rebalance, new generation), not that something broke. */
export function isRebalanceError(error: unknown): boolean {
  return protocolType(error, (type) => REBALANCE_TYPES.has(type)) !== undefined;
}

/**
 * Whether a kafkajs error says a rebalance has begun while this member is still in the
 * current generation: it may still commit (the coordinator accepts commits of the current
 * generation until every member has rejoined), and must rejoin within the rebalance timeout.
 */
export function isRebalanceInProgress(error: unknown): boolean {
  return protocolType(error, (type) => type === 'REBALANCE_IN_PROGRESS') !== undefined;
}

/** kafkajs errors that mean "not now": no broker, no coordinator, a request lost or timed out, retries spent on one of those. */
const TRANSIENT_NAMES = new Set([
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
]);
/** Socket errors of a broker that is down, restarting or unreachable for now. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Whether a kafkajs failure may go away by itself, so that waiting and trying again is
 * worth it: a broker down or restarting, no group coordinator yet, a connection lost, a
 * rebalance, or kafkajs' retries spent on one of those. As kafkajs decides whether to
 * restart a crashed consumer (the original cause is retriable), plus the errors kafkajs
 * calls non-retriable although they only mean "not now" (no group coordinator found).
 * Not transient: bad configuration, authentication and authorization failures, bugs.
 */
export function isTransient(error: unknown): boolean {
  let deepest: unknown = error;
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    if ('name' in e && typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
    if ('code' in e && typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
    if ('type' in e && typeof e.type === 'string' && REBALANCE_TYPES.has(e.type)) return true;
    deepest = e;
    e = 'cause' in e ? e.cause : undefined;
  }
  return typeof deepest === 'object' && deepest !== null && 'retriable' in deepest && deepest.retriable === true;
}

/** Wraps a kafkajs failure in a KafkaError, keeping whether kafkajs thinks it retriable. */
export function toKafkaError(message: string, error: unknown, context: { stage?: string; topic?: string; partition?: number; offset?: string } = {}): KafkaError {
  if (error instanceof KafkaError) return error;
  const retriable = typeof error === 'object' && error !== null && 'retriable' in error && error.retriable === true;
  return new KafkaError(`${message}: ${messageOf(error)}`, { ...context, cause: error, retriable });
}

/** Resolves with `promise`, or with `undefined` after `ms` (the promise goes on in the background). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
