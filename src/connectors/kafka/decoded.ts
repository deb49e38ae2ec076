import { BadInputError, messageOf } from '../../errors.js';
import type { KafkaRecord } from './records.js';

/** A record decoded into a value; the record stays reachable for its metadata. */
export interface Valid<T> {
  readonly ok: true;
  readonly value: T;
  readonly record: KafkaRecord;
}

/** A record that could not be decoded or validated: it goes to the dead letter. */
export interface Invalid {
  readonly ok: false;
  readonly error: BadInputError;
  readonly record: KafkaRecord;
}

/** What a decoding stage emits: `deadLetter` passes the valid ones on and parks the rest. */
export type Decoded<T> = Valid<T> | Invalid;

/** What was thrown while decoding or checking `record`, as a BadInputError naming the stage and the record's coordinates. */
export function badInputAt(error: unknown, record: KafkaRecord, stage: string): BadInputError {
  const where = { stage, topic: record.topic, partition: record.partition, offset: record.offset };
  return error instanceof BadInputError
    ? new BadInputError(error.message, { ...where, cause: error.cause ?? error })
    : new BadInputError(`invalid value: ${messageOf(error)}`, { ...where, cause: error });
}
