import type { IHeaders, Kafka, Message } from 'kafkajs';
import { type Ack, chunkOf } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';
import type { StageContext } from '../core/stage.js';
import { type KafkaClientOptions, kafkaClient, nonEmptyString } from '../connectors/kafka/client.js';
import type { Decoded, Invalid, Valid } from '../core/records.js';
import { RunProducer } from '../connectors/kafka/producer.js';
import { ConfigError } from '../errors.js';
import { positiveInteger } from '../core/options.js';

export interface DeadLetterOptions extends KafkaClientOptions {
  /** The dead-letter topic (it must exist). */
  readonly topic: string;
  /** Bound on the producer's disconnect at the end of the run, ms. Default 10,000. */
  readonly closeTimeoutMs?: number;
}

/** Header names a dead-lettered record carries (besides its original headers). */
export const DEAD_LETTER_HEADERS = {
  /** The error's message. */
  error: 'dendrites-error',
  /** The error's class name (`BadInputError`...). */
  errorClass: 'dendrites-error-class',
  /** The stage that rejected the record. */
  stage: 'dendrites-stage',
  /** The original record's topic. */
  sourceTopic: 'dendrites-source-topic',
  /** Its partition, in decimal. */
  sourcePartition: 'dendrites-source-partition',
  /** Its offset, in decimal. */
  sourceOffset: 'dendrites-source-offset',
  /** Its timestamp, ms since the epoch in decimal. */
  sourceTimestamp: 'dendrites-source-timestamp',
} as const;

/**
 * Parks bad records and passes good ones on. Takes what a decoding stage emits
 * (`avroDeserializer`): `{ ok: true }` elements go downstream unchanged, with their
 * acknowledgements; each `{ ok: false, error, record }` is produced to the dead-letter
 * topic (idempotent producer, acks = all) with the record's original key, value bytes and
 * headers plus `dendrites-error`, `dendrites-error-class`, `dendrites-stage`,
 * `dendrites-source-topic`, `-partition`, `-offset`, `-timestamp`; once the broker has
 * it, the original is acknowledged (so its offset can commit) and counted
 * (`deadLettered`), and the graph goes on. The Cassandra sinks park records Cassandra
 * refuses the same way (`onRecordError: 'dead-letter'`, with `deadLetterProducer`).
 *
 * - Emits when: downstream pulls and the upstream chunk has good elements (its bad ones
 *   are produced first).
 * - Backpressures when: downstream backpressures, or while bad records are being produced.
 * - Completes when: upstream completes.
 * - Fails when: upstream fails, or producing to the dead-letter topic fails (the bad
 *   record stays unacknowledged, so it is delivered again after a restart).
 * - Cancels when: downstream cancels.
 */
export function deadLetter<T>(options: DeadLetterOptions): Flow<Decoded<T>, Valid<T>> {
  const stage = 'deadLetter';
  const target = deadLetterTarget(stage, options);
  return defineFlow<Decoded<T>, Valid<T>>(stage, (upstream, ctx) => {
    const send = deadLetterProducer(target, ctx);
    return {
      async pull(max) {
        for (;;) {
          const chunk = await upstream.pull(max);
          if (chunk === undefined) return undefined;
          const good: Valid<T>[] = [];
          const goodAcks: Ack[] | undefined = chunk.acks === undefined ? undefined : [];
          const bad: Invalid[] = [];
          const badAcks: Ack[] = [];
          chunk.items.forEach((item, i) => {
            if (item.ok) {
              good.push(item);
              goodAcks?.push((chunk.acks as readonly Ack[])[i]);
            } else {
              bad.push(item);
              if (chunk.acks !== undefined) badAcks.push(chunk.acks[i]);
            }
          });
          if (bad.length > 0) {
            await send(bad);
            for (const ack of badAcks) ack();
            ctx.metrics.count('deadLettered', bad.length);
            ctx.metrics.dropped += bad.length;
          }
          if (good.length > 0) return chunkOf(good, goodAcks);
        }
      },
      cancel: (reason) => upstream.cancel(reason),
    };
  });
}

/** Where bad records go: the Kafka client and the topic, checked when a stage is built. */
export interface DeadLetterTarget {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly closeTimeoutMs: number;
}

/**
 * Validates dead-letter options (ConfigError naming the stage and the option, `prefix`
 * being where they sit in the stage's options) for a stage that parks bad records.
 */
export function deadLetterTarget(stage: string, options: DeadLetterOptions, prefix = ''): DeadLetterTarget {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(`${stage}: ${prefix === '' ? 'options' : prefix.replace(/\.$/, '')} must be the dead-letter options (topic, and brokers or kafka)`, { stage });
  }
  return {
    kafka: kafkaClient(stage, options),
    topic: nonEmptyString(stage, `${prefix}topic`, options.topic),
    closeTimeoutMs: positiveInteger(stage, `${prefix}closeTimeoutMs`, options.closeTimeoutMs, 10_000),
  };
}

/**
 * For one run of a stage: a function that produces bad records to the dead-letter topic
 * (as `deadLetterMessage` builds them) and resolves once the broker has them all. The
 * producer (idempotent, acks = all) connects on the first bad record and is closed when
 * the run ends. A failure to produce rejects with a KafkaError.
 */
export function deadLetterProducer(target: DeadLetterTarget, ctx: StageContext): (bad: readonly Invalid[]) => Promise<void> {
  const producer = new RunProducer(target.kafka, ctx.name, 1, target.closeTimeoutMs);
  ctx.onClose(() => producer.close());
  return (bad) => producer.send([{ topic: target.topic, messages: bad.map(deadLetterMessage) }]);
}

/**
 * A bad record as the dead-letter topic gets it: the original key, value bytes and
 * headers, plus the reason and where the record was (DEAD_LETTER_HEADERS).
 */
export function deadLetterMessage({ error, record }: Invalid): Message {
  const headers: IHeaders = { ...record.headers } as IHeaders;
  headers[DEAD_LETTER_HEADERS.error] = error.message;
  headers[DEAD_LETTER_HEADERS.errorClass] = error.name;
  headers[DEAD_LETTER_HEADERS.stage] = error.stage ?? 'unknown';
  headers[DEAD_LETTER_HEADERS.sourceTopic] = record.topic;
  headers[DEAD_LETTER_HEADERS.sourcePartition] = String(record.partition);
  headers[DEAD_LETTER_HEADERS.sourceOffset] = record.offset;
  headers[DEAD_LETTER_HEADERS.sourceTimestamp] = record.timestamp;
  return { key: record.key, value: record.value, headers };
}
