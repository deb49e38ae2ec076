import type { IHeaders, Message } from 'kafkajs';
import { type Ack, ackAll } from '../core/chunk.js';
import { defineSink, type Sink } from '../core/dsl.js';
import { drain } from '../core/drain.js';
import { BadInputError, ConfigError } from '../errors.js';
import { type KafkaClientOptions, kafkaClient } from '../connectors/kafka/client.js';
import { RunProducer } from '../connectors/kafka/producer.js';
import { positiveInteger } from '../core/options.js';

/** One message to produce. */
export interface OutgoingMessage {
  /** Default: the sink's `topic`. */
  readonly topic?: string;
  /** The record key; messages of one key share a partition. */
  readonly key?: Buffer | string | null;
  /** The record value; `null` is a tombstone. */
  readonly value: Buffer | string | null;
  /** Record headers. */
  readonly headers?: IHeaders;
  /** Default: chosen by the key (kafkajs' default partitioner, Java-compatible). */
  readonly partition?: number;
}

/** The options of `kafkaSink`: a client (`brokers` or `kafka`) and the producer's bounds. */
export interface KafkaSinkOptions extends KafkaClientOptions {
  /** The topic of messages that name none. */
  readonly topic?: string;
  /** Most messages per send (one chunk of the upstream at most). Default 500. */
  readonly batchSize?: number;
  /** Sends in flight at once; the sink pulls more only below this bound. Default 1 (order kept). */
  readonly maxInFlightSends?: number;
  /** kafkajs' bound on unanswered requests per broker connection, 1..5 (idempotence). Default 1. */
  readonly maxInFlightRequests?: number;
  /** Bound on the producer's disconnect at the end of the run, ms. Default 10,000. */
  readonly closeTimeoutMs?: number;
}

/** What `kafkaSink` resolves with. */
export interface KafkaSinkResult {
  /** Messages the broker acknowledged. */
  readonly sent: number;
}

/**
 * Produces messages to Kafka with an idempotent producer (acks = all, so a message is
 * acknowledged once every in-sync replica has it; retries cannot duplicate it). Each
 * upstream chunk (up to `batchSize`) is one send; an element is acknowledged upstream
 * (its source offset may commit) when its send succeeded.
 *
 * - Emits when: never (a sink).
 * - Backpressures when: `maxInFlightSends` sends await the broker.
 * - Completes when: upstream completes and every send succeeded; resolves `{ sent }`.
 * - Fails when: a send fails after kafkajs' retries (a KafkaError; its elements are not
 *   acknowledged), or a message names no topic and the sink has none (BadInputError).
 * - Cancels when: never on its own.
 */
export function kafkaSink(options: KafkaSinkOptions): Sink<OutgoingMessage, KafkaSinkResult> {
  const stage = 'kafkaSink';
  const kafka = kafkaClient(stage, options);
  if (options.topic !== undefined && (typeof options.topic !== 'string' || options.topic.length === 0)) throw new ConfigError(`${stage}: topic must be a non-empty string`, { stage });
  const batchSize = positiveInteger(stage, 'batchSize', options.batchSize, 500);
  const maxInFlightSends = positiveInteger(stage, 'maxInFlightSends', options.maxInFlightSends, 1);
  const maxInFlightRequests = positiveInteger(stage, 'maxInFlightRequests', options.maxInFlightRequests, 1);
  if (maxInFlightRequests > 5) throw new ConfigError(`${stage}: maxInFlightRequests must be at most 5 with an idempotent producer`, { stage });
  const closeTimeoutMs = positiveInteger(stage, 'closeTimeoutMs', options.closeTimeoutMs, 10_000);

  return defineSink<OutgoingMessage, KafkaSinkResult>(stage, async (upstream, ctx) => {
    const producer = new RunProducer(kafka, ctx.name, maxInFlightRequests, closeTimeoutMs);
    ctx.onClose(() => producer.close());
    let sent = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;

    const send = async (items: readonly OutgoingMessage[], acks: readonly Ack[] | undefined): Promise<void> => {
      const byTopic = new Map<string, Message[]>();
      for (const m of items) {
        const topic = m.topic ?? options.topic;
        if (topic === undefined) throw new BadInputError('a message names no topic and the sink has none', { stage: ctx.name });
        let list = byTopic.get(topic);
        if (list === undefined) byTopic.set(topic, (list = []));
        list.push({ key: m.key ?? null, value: m.value, headers: m.headers, partition: m.partition });
      }
      await producer.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      ackAll({ items, acks });
      sent += items.length;
      ctx.metrics.out += items.length;
    };

    await drain(upstream, batchSize, async ({ items, acks }) => {
      while (inFlight.size >= maxInFlightSends) await Promise.race(inFlight);
      if (failure !== undefined) throw failure.error;
      const p: Promise<void> = send(items, acks).then(
        () => void inFlight.delete(p),
        (error: unknown) => {
          failure ??= { error };
          inFlight.delete(p);
        },
      );
      inFlight.add(p);
    });
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
    return { sent };
  });
}
