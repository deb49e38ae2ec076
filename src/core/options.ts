import { ConfigError } from '../errors.js';

/** Validates an optional positive whole number option, naming the stage and option when it is wrong. */
export function positiveInteger(stage: string, option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${stage}: ${option} must be a whole number of at least 1, got ${String(value)}`, { stage });
  }
  return value;
}

/** Validates an optional non-negative number option (a duration in ms, a bound that may be 0). */
export function nonNegative(stage: string, option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${stage}: ${option} must be a number of at least 0, got ${String(value)}`, { stage });
  }
  return value;
}
