import type { BadInputError } from '../../errors.js';
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
