/** Argument parsing for the CLI: node:util parseArgs, with usage errors that exit with code 2. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { messageOf } from '../errors.js';

/** Bad arguments: the CLI prints the message and the command's usage, and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` strictly (unknown options and stray arguments are usage errors). */
export function parse(argv: readonly string[], options: Options): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

/** A whole-number option in [min, max]. */
export function int(values: Record<string, unknown>, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${String(raw)}"`);
  }
  return n;
}

/** A required string option. */
export function required(values: Record<string, unknown>, name: string): string {
  const raw = values[name];
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError(`--${name} is required`);
  return raw.trim();
}

/** A time option: an ISO 8601 date/time, ms since the epoch, or "now", "now-2h", "now-30m", "now-1d". */
export function time(values: Record<string, unknown>, name: string, now = Date.now()): Date {
  const raw = required(values, name);
  const rel = /^now(?:-(\d+)([smhd]))?$/.exec(raw);
  if (rel !== null) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'] ?? 0;
    return new Date(now - Number(rel[1] ?? 0) * unit);
  }
  const d = /^\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be an ISO date/time (2026-11-23T10:00:00Z), ms since the epoch, or now[-<n>s|m|h|d]; got "${raw}"`);
  return d;
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got "${String(raw)}"`);
  return raw as T;
}
