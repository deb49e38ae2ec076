/** CLI options shared by several commands, checked before anything connects. */
import { cqlIdentifier } from 'dendrites/cassandra';
import type { DuplicatesMode } from 'dendrites/cqrs';
import type { Args } from './args.js';

/** `--keyspace`: a CQL identifier (a letter, then letters, digits or _; at most 48), as the library checks it. */
export function keyspaceOption(a: Args): string {
  const ks = a.required('keyspace');
  return ks === '' ? ks : a.check(() => cqlIdentifier('--keyspace', ks), ks);
}

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/** `--topic`: a legal Kafka topic name (letters, digits, `.`, `_` and `-`; at most 249; not `.` or `..`). */
export function topicOption(a: Args): string {
  const topic = a.required('topic');
  if (topic !== '' && (!TOPIC.test(topic) || topic === '.' || topic === '..')) {
    a.problem(`--topic must be a Kafka topic name (letters, digits, ".", "_" or "-"; at most 249), got "${topic}"`);
  }
  return topic;
}

const DUPLICATES: readonly DuplicatesMode[] = ['compensate', 'prevent'];

/** `--duplicates compensate|prevent`: the command graph's duplicates mode (default compensate). */
export function duplicatesOption(a: Args): DuplicatesMode {
  return a.oneOf('duplicates', DUPLICATES, 'compensate');
}
