/**
 * Argument parsing for the CLI: node:util parseArgs, then every option checked before anything
 * connects. The checks collect their problems, so one run names every bad or missing option; a
 * command calls `done()` and gets a UsageError (exit code 2) saying all of them on one line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, messageOf } from 'dendrites';

/** Bad arguments: the CLI prints the message on one line and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Readonly<Record<string, string | boolean | undefined>>;

const UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The options of one command line, read through checks that collect what is wrong with them. */
export class Args {
  readonly #problems: string[] = [];

  constructor(readonly values: Values) {}

  /** Records a problem with the arguments. */
  problem(message: string): void {
    this.#problems.push(message);
  }

  /** The problems so far. */
  get problems(): readonly string[] {
    return this.#problems;
  }

  /** Throws one UsageError naming every problem, if there are any. */
  done(): void {
    if (this.#problems.length > 0) throw new UsageError(this.#problems.join('; '));
  }

  /** An optional string option (trimmed), or `fallback`. */
  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const raw = this.values[name];
    if (typeof raw !== 'string') return fallback;
    if (raw.trim() === '') {
      this.problem(`--${name} must not be empty`);
      return fallback;
    }
    return raw.trim();
  }

  /** A boolean flag. */
  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** A required string option; `''` (and a problem) when it is missing. */
  required(name: string): string {
    const raw = this.values[name];
    if (typeof raw !== 'string' || raw.trim() === '') {
      this.problem(`--${name} is required`);
      return '';
    }
    return raw.trim();
  }

  /** A whole-number option in [min, max], or `fallback` when it is not given. */
  int(name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      this.problem(`--${name} must be a whole number from ${min} to ${max}, got "${String(raw)}"`);
      return fallback;
    }
    return n;
  }

  /** A required time option: an ISO 8601 date/time, ms since the epoch, or "now", "now-2h", "now-30m", "now-1d". */
  time(name: string, now = Date.now()): Date {
    const raw = this.required(name);
    if (raw === '') return new Date(now);
    const d = parseTime(raw, now);
    if (d === undefined) {
      this.problem(`--${name} must be an ISO date/time (2026-11-23T10:00:00Z), ms since the epoch, or now[-<n>s|m|h|d]; got "${raw}"`);
      return new Date(now);
    }
    return d;
  }

  /** `--since` and `--until`, `--since` not after `--until`. */
  timeRange(now = Date.now()): { readonly since: Date; readonly until: Date } {
    const before = this.#problems.length;
    const since = this.time('since', now);
    const until = this.time('until', now);
    if (this.#problems.length === before && since.getTime() > until.getTime()) {
      this.problem(`--since (${since.toISOString()}) is after --until (${until.toISOString()})`);
    }
    return { since, until };
  }

  /** One of a fixed set of words, or `fallback` when it is not given. */
  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.values[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
      this.problem(`--${name} must be one of ${choices.join(', ')}; got "${String(raw)}"`);
      return fallback;
    }
    return raw as T;
  }

  /**
   * The value `check` returns, or `fallback` when it throws a UsageError or a ConfigError (whose
   * message becomes a problem): for checks written as functions that throw.
   */
  check<T>(check: () => T, fallback: T): T {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof UsageError || error instanceof ConfigError)) throw error;
      this.problem(messageOf(error));
      return fallback;
    }
  }
}

/** A time: ISO 8601, ms since the epoch, or now[-<n>s|m|h|d]; `undefined` when it is none of those. */
export function parseTime(raw: string, now = Date.now()): Date | undefined {
  const rel = /^now(?:-(\d+)([smhd]))?$/.exec(raw);
  if (rel !== null) return new Date(now - Number(rel[1] ?? 0) * (rel[2] === undefined ? 0 : UNITS[rel[2] as keyof typeof UNITS]));
  const d = /^\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Parses `argv` strictly: an unknown option or a stray argument is a UsageError at once. */
export function parse(argv: readonly string[], options: Options): Args {
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return new Args(values as Values);
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}
