import { BadInputError, messageOf } from '../../errors.js';
import type { KafkaRecord } from './records.js';

/** A record decoded into a value; the record stays reachable for its metadata. */
export interface Valid<T> {
  /** Always `true`: tells a valid record from an invalid one. */
  readonly ok: true;
  /** The decoded (and validated) value. */
  readonly value: T;
  /** The record it was decoded from. */
  readonly record: KafkaRecord;
}

/** A record that could not be decoded or validated: it goes to the dead letter. */
export interface Invalid {
  /** Always `false`. */
  readonly ok: false;
  /** Why it was rejected, with the stage and the record's coordinates. */
  readonly error: BadInputError;
  /** The record as it was read. */
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
