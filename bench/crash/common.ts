// What the crash bench's parent and its graph child share: the child's configuration, its
// progress messages, and what one measured run records (one JSON line in the results file).

/** The child graph's configuration (argv[2], JSON). */
export interface ChildConfig {
  readonly brokers: string[];
  readonly contactPoints: string[];
  readonly localDc: string;
  readonly topic: string;
  readonly groupId: string;
  readonly keyspace: string;
  readonly commitIntervalMs: number;
  readonly commitEveryN: number;
  readonly sessionTimeoutMs: number;
  /** kafkaSource's maxUnacknowledged and the graph's parallelism; undefined: their defaults. */
  readonly maxUnacknowledged?: number;
  readonly parallelism?: number;
  readonly metricsIntervalMs: number;
}

/** One metrics snapshot of the child, as it sends it over IPC. */
export interface Progress {
  readonly type: 'progress';
  /** Date.now() in the child when the snapshot was taken. */
  readonly at: number;
  /** kafkaSource: records emitted, commits done, records emitted and not yet acknowledged (gauge), waiting (gauge), rebalances. */
  readonly records: number;
  readonly commits: number;
  readonly unacknowledged: number;
  readonly waiting: number;
  readonly rebalances: number;
  /** Deliveries written by the service branch and by the event-log branch. */
  readonly service: number;
  readonly log: number;
}

export function isProgress(m: unknown): m is Progress {
  return typeof m === 'object' && m !== null && 'type' in m && m.type === 'progress';
}

/** The settings measured: one cell of the grid. */
export interface Cell {
  readonly commitIntervalMs: number;
  readonly commitEveryN: number;
  readonly sessionTimeoutMs: number;
  /** Not set: the defaults (16,384 with the command graphs' 256 KiB fetches; 128 writes in flight per branch). */
  readonly maxUnacknowledged?: number;
  readonly parallelism?: number;
}

/** One SIGKILL of the graph and what it left behind. */
export interface KillRecord {
  /** ms from the child's start to the kill, and from its first commit to the kill. */
  readonly aliveMs: number;
  readonly afterFirstCommitMs: number;
  /** Records the topic held beyond the group's committed offsets right after the kill (the backlog: > 0 means under load). */
  readonly lagAtKill: number;
  /** The child's last snapshot, taken at most a few ms before the kill (the kill is sent when it arrives). */
  readonly snapshot: Progress;
  /** Records the killed child emitted beyond what it committed: all of them are read again after the restart. */
  readonly reRead: number;
  /**
   * Of those, emitted and not acknowledged at the kill (the source's `unacknowledged` gauge). The gauge is refreshed
   * on each pull and every min(commitIntervalMs, 1 s), so it may be up to a second old: not used in the table.
   */
  readonly unacknowledged: number;
  /** Of those, acknowledged but not committed (waiting for the next commit, or behind an unacknowledged record of their partition). */
  readonly ackedNotCommitted: number;
  /** Journal rows the killed child wrote for records at or after the committed offsets: the extra deliveries this kill caused. */
  readonly extraApplied: number;
  readonly extraLogged: number;
  /**
   * Of the extra deliveries, those a commit at the moment of the kill would have prevented:
   * per partition, the consecutive offsets from the committed one that both branches had
   * written (acknowledged, waiting for the next commit). The rest (extraApplied − this) were
   * in flight: written by the service branch but not committable yet, because the event-log
   * branch or an earlier record of their partition had not finished. From the journal.
   */
  readonly committableAtKill?: number;
  /** ms from the restart (the fork of the next child) to its first commit, and to its first record emitted. */
  readonly restartToFirstCommitMs: number | undefined;
  readonly restartToFirstRecordMs: number | undefined;
}

/** One run of one cell: produce, run, kill K times, finish, count. */
export interface RunRecord {
  readonly cell: Cell;
  readonly rep: number;
  readonly startedAt: string;
  readonly commands: number;
  readonly partitions: number;
  readonly kills: readonly KillRecord[];
  /** Journal rows (one per delivery a branch wrote) and distinct commands in them, per branch. */
  readonly appliedRows: number;
  readonly loggedRows: number;
  readonly appliedCommands: number;
  readonly loggedCommands: number;
  /** appliedRows − appliedCommands (and the same for the log): the extra deliveries of the run. */
  readonly extraApplied: number;
  readonly extraLogged: number;
  /** Deliveries the service branch wrote per second while the graph had a backlog (every child, join waits excluded). */
  readonly throughput: number;
  /** Commits per second over the same windows. */
  readonly commitsPerSecond: number;
  /** From the first fork to every record committed, ms. */
  readonly wallMs: number;
  /** The first child's fork to its first commit (a new group: the broker's initial rebalance delay). */
  readonly firstStartToFirstCommitMs: number | undefined;
  /** Records in the dead-letter topic (0 expected: a dead-lettered command has no journal row). */
  readonly deadLettered: number;
  /** The 1-minute load average of the machine at the end of the run (it is shared). */
  readonly loadAverage: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
