/**
 * One error hierarchy for dendrites. Every error says whether retrying can help
 * (`retriable`), keeps what caused it (`cause`), and carries context: the stage it
 * happened in and, for records, the Kafka coordinates.
 */

/** Where an error happened, as far as it is known: every field is optional. */
export interface ErrorContext {
  /** The name of the stage it happened in. */
  readonly stage?: string;
  /** The Kafka topic of the record it concerns. */
  readonly topic?: string;
  /** That record's partition. */
  readonly partition?: number;
  /** That record's offset, a decimal string (Kafka offsets are 64-bit). */
  readonly offset?: string;
  /** The key of the element it concerns: a record key, an aggregate, event or command id. */
  readonly key?: string;
  /** The CQL statement that failed. */
  readonly statement?: string;
}

/** What a `DendritesError` is built with: its context, its cause and whether retrying can help. */
export interface DendritesErrorOptions extends ErrorContext {
  /** What caused it: the error thrown underneath (kept as the standard `Error.cause`). */
  readonly cause?: unknown;
  /** Whether retrying the same operation can succeed. Default `false`. */
  readonly retriable?: boolean;
}

/**
 * The base class of every error dendrites throws: the others extend it, so
 * `error instanceof DendritesError` tells ours from the rest. `name` is the class name.
 */
export class DendritesError extends Error {
  /** Whether retrying can help: true for a transient failure (a timeout, an unavailable node), false for bad input or a bug. */
  readonly retriable: boolean;
  /** The Kafka topic of the record it concerns. */
  readonly topic?: string;
  /** That record's partition. */
  readonly partition?: number;
  /** That record's offset, a decimal string. */
  readonly offset?: string;
  /** The key of the element it concerns: a record key, an aggregate, event or command id. */
  readonly key?: string;
  /** The CQL statement that failed. */
  readonly statement?: string;
  #stage?: string;

  constructor(message: string, options: DendritesErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.#stage = options.stage;
    this.topic = options.topic;
    this.partition = options.partition;
    this.offset = options.offset;
    this.key = options.key;
    this.statement = options.statement;
  }

  /** The stage the error happened in; set by the runtime when the stage did not say. */
  get stage(): string | undefined {
    return this.#stage;
  }

  /** @internal The runtime names the failing stage once; later names do not overwrite it. */
  attachStage(stage: string): this {
    this.#stage ??= stage;
    return this;
  }
}

/** Bad options given to a stage, a graph or a command: raised when it is built, never mid-stream. */
export class ConfigError extends DendritesError {}

/** A graph that cannot run: an unwired port, a duplicate name, a second run of a single-use graph. */
export class GraphError extends DendritesError {}

/** A stage threw something that is not a DendritesError; the original is the `cause`. */
export class StageFailedError extends DendritesError {}

/** The run was aborted by `abort(reason)`; the reason is the `cause`. */
export class AbortedError extends DendritesError {}

/** Input that cannot be processed: undecodable bytes, missing fields, an unknown action. */
export class BadInputError extends DendritesError {}

/** A bounded buffer overflowed under the `fail` overflow strategy. */
export class BufferOverflowError extends DendritesError {}

/**
 * A stage lost acknowledgements: while its input carried acks, it emitted a chunk with none,
 * or with a different number of acks than elements. A bug in the stage, not in the data: a
 * stage must pass each element's ack on (docs/engine.md), or the source's offsets stop
 * committing. `stage` names the stage.
 */
export class AckError extends DendritesError {
  constructor(message: string, options: DendritesErrorOptions & { readonly stage: string }) {
    super(message, { ...options, retriable: false });
  }
}

/** Kafka client failure (connect, fetch, commit, produce). */
export class KafkaError extends DendritesError {}

/** Cassandra failure (prepare, bind, execute). */
export class CassandraError extends DendritesError {}

/** Retries ran out; `cause` is the last error, `attempts` how many were made. */
export class RetriesExhaustedError extends DendritesError {
  /** How many attempts were made, the first one included. */
  readonly attempts: number;
  constructor(message: string, options: DendritesErrorOptions & { readonly attempts: number }) {
    super(message, { ...options, retriable: false });
    this.attempts = options.attempts;
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Names the stage an error came from: a DendritesError keeps its class and gets the
 * stage attached; anything else is wrapped in a StageFailedError.
 */
export function inStage(error: unknown, stage: string): DendritesError {
  if (error instanceof DendritesError) return error.attachStage(stage);
  return new StageFailedError(`stage "${stage}" failed: ${messageOf(error)}`, {
    stage,
    cause: error,
    retriable: false,
  });
}
