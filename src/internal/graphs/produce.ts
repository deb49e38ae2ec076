/** Produces commands to a topic as Avro, with dendrites itself: fromIterable → avroSerializer → kafkaSink. */
import type { Kafka } from 'kafkajs';
import { type Command, commandType } from '../avro/command.js';
import { fromIterable } from '../../stages/from-iterable.js';
import { avroSerializer } from '../../stages/avro-serializer.js';
import { kafkaSink, type OutgoingMessage } from '../../stages/kafka-sink.js';
import { map } from '../../stages/map.js';
import { graph } from '../../graphs/builder.js';

/** The record key of a command: the account it is about (so one account's commands share a partition). */
export function commandKey(c: Command): string {
  return c.data.account_id ?? c.data.from_account ?? c.id;
}

/** Sends `commands` in order; resolves with how many the broker acknowledged. */
export async function produceCommands(kafka: Kafka, topic: string, commands: readonly Command[]): Promise<number> {
  const keys = commands.map(commandKey);
  let i = 0;
  const g = graph((b) => {
    const sink = b.add(kafkaSink({ kafka, topic, batchSize: 500, maxInFlightSends: 4, maxInFlightRequests: 5 }), 'produce');
    b.connect(
      fromIterable(commands).named('commands'),
      avroSerializer<Command>(commandType),
      map((value: Buffer): OutgoingMessage => ({ key: keys[i++], value })),
      sink,
    );
    return sink;
  });
  const { sent } = await g.run().done;
  return sent;
}
