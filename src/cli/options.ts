/** CLI options shared by several commands, checked before anything connects. */
import { UsageError, required } from './args.js';

const IDENTIFIER = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;

/** `--keyspace`: a CQL identifier (a letter, then letters, digits or _; at most 48). */
export function keyspaceOption(values: Record<string, unknown>): string {
  const ks = required(values, 'keyspace');
  if (!IDENTIFIER.test(ks)) throw new UsageError(`--keyspace must be a CQL identifier (a letter, then letters, digits or _; at most 48), got "${ks}"`);
  return ks;
}
