import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { toKafkaError, within } from './client.js';

/**
 * An idempotent kafkajs producer (acks = all) connected on first use, for one run.
 * `close()` is safe twice and bounded in time.
 */
export class RunProducer {
  #producer: Producer | undefined;
  #connecting: Promise<Producer> | undefined;
  #closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly stage: string,
    private readonly maxInFlightRequests: number,
    private readonly closeTimeoutMs: number,
  ) {}

  /** Sends messages to topics and resolves once every one is acknowledged by all in-sync replicas. */
  async send(topicMessages: { topic: string; messages: Message[] }[]): Promise<void> {
    const producer = await this.#connect();
    try {
      await producer.sendBatch({ topicMessages, acks: -1 });
    } catch (error) {
      throw toKafkaError(`cannot produce to ${topicMessages.map((t) => t.topic).join(', ')}`, error, { stage: this.stage, topic: topicMessages[0]?.topic });
    }
  }

  #connect(): Promise<Producer> {
    if (this.#closed) return Promise.reject(toKafkaError('producer closed', new Error('the run has ended'), { stage: this.stage }));
    this.#connecting ??= (async () => {
      const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: this.maxInFlightRequests, allowAutoTopicCreation: false });
      this.#producer = producer;
      try {
        await producer.connect();
      } catch (error) {
        throw toKafkaError('cannot connect the producer', error, { stage: this.stage });
      }
      return producer;
    })();
    return this.#connecting;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const producer = this.#producer;
    if (producer !== undefined) await within(producer.disconnect().catch(() => undefined), this.closeTimeoutMs);
  }
}
