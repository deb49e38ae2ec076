import type { IHeaders, Message } from 'kafkajs';
import { type Ack, chunkOf } from '../core/chunk.js';
import { defineFlow, type Flow } from '../core/dsl.js';
import { type KafkaClientOptions, kafkaClient, nonEmptyString } from '../internal/kafka/client.js';
import type { Decoded, Invalid, Valid } from '../internal/kafka/decoded.js';
import { RunProducer } from '../internal/kafka/producer.js';
import { positiveInteger } from '../internal/options.js';

export interface DeadLetterOptions extends KafkaClientOptions {
  /** The dead-letter topic (it must exist). */
  readonly topic: string;
  /** Bound on the producer's disconnect at the end of the run, ms. Default 10,000. */
  readonly closeTimeoutMs?: number;
}

/** Header names a dead-lettered record carries (besides its original headers). */
export const DEAD_LETTER_HEADERS = {
  error: 'dendrites-error',
  errorClass: 'dendrites-error-class',
  stage: 'dendrites-stage',
  sourceTopic: 'dendrites-source-topic',
  sourcePartition: 'dendrites-source-partition',
  sourceOffset: 'dendrites-source-offset',
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
 * (`deadLettered`), and the graph goes on.
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
  const kafka = kafkaClient(stage, options);
  const topic = nonEmptyString(stage, 'topic', options.topic);
  const closeTimeoutMs = positiveInteger(stage, 'closeTimeoutMs', options.closeTimeoutMs, 10_000);
  return defineFlow<Decoded<T>, Valid<T>>(stage, (upstream, ctx) => {
    const producer = new RunProducer(kafka, ctx.name, 1, closeTimeoutMs);
    ctx.onClose(() => producer.close());
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
            await producer.send([{ topic, messages: bad.map(toMessage) }]);
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

function toMessage({ error, record }: Invalid): Message {
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
