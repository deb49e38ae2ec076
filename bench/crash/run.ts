/**
 * The crash bench: extra deliveries per SIGKILL of the command graph, and what commit
 * frequency costs. `npx tsx bench/crash/run.ts [options]` (the local services must be up:
 * `npm run services -- up`; run it under the services lock when others share them).
 *
 * For each cell of the grid (commitIntervalMs × commitEveryN × sessionTimeoutMs), `--reps`
 * times: a fresh topic (`--partitions`) and keyspace, `--accounts` open-account commands
 * and `--transfers` transfers of the money-transfer sample produced up front (a backlog:
 * the graph runs flat out), the money-transfer command graph (bench/crash/child.ts) forked
 * as a child, SIGKILLed `--kills` times at a random moment `--kill-after-ms` after its first
 * commit (restarted `--restart-delay-ms` later each time), then left to commit everything
 * and stopped with SIGTERM. Then the journal (one row per delivery a branch wrote) is read:
 * extra deliveries = rows − distinct commands, per branch, and per kill the rows the killed
 * child wrote at or after the offsets committed when it died. Each run is one JSON line
 * appended to `--out`; at the end the table of every run in that file is printed
 * (bench/crash/report.ts; `--report` prints it without running anything).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { createKeyspace, dropKeyspace } from 'dendrites/cassandra';
import { createCqrsTables, JOURNAL_TABLE } from 'dendrites/cqrs';
import { type KafkaAdmin, kafkaAdmin, type TopicLag } from 'dendrites/kafka';
import { ACCOUNTS_TABLE, commandRecord, createMoneyTransferTables, sampleCommands } from 'dendrites/samples/money-transfer';
import { type Cell, type ChildConfig, isProgress, type KillRecord, type Progress, type RunRecord, sum } from './common.js';
import { printReport } from './report.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string): void => console.error(`[crash ${new Date().toISOString().slice(11, 19)}] ${line}`);

interface Options {
  readonly transfers: number;
  readonly accounts: number;
  readonly kills: number;
  readonly partitions: number;
  readonly reps: number;
  readonly intervals: number[];
  readonly everyN: number[];
  readonly sessions: number[];
  /** undefined in a list: the default. */
  readonly maxUnacked: (number | undefined)[];
  readonly parallelism: (number | undefined)[];
  readonly restartDelayMs: number;
  readonly killAfterMs: readonly [number, number];
  readonly out: string;
  readonly seed: number;
  readonly reportOnly: boolean;
}

function options(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      transfers: { type: 'string' },
      accounts: { type: 'string' },
      kills: { type: 'string' },
      partitions: { type: 'string' },
      reps: { type: 'string' },
      intervals: { type: 'string' },
      'every-n': { type: 'string' },
      sessions: { type: 'string' },
      'max-unacked': { type: 'string' },
      parallelism: { type: 'string' },
      'restart-delay-ms': { type: 'string' },
      'kill-after-ms': { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      report: { type: 'boolean' },
    },
    strict: true,
  });
  const bad = (what: string): never => {
    console.error(`crash bench: ${what}`);
    process.exit(2);
  };
  const num = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    const n = raw === undefined ? fallback : Number(raw);
    return Number.isInteger(n) && n >= min ? n : bad(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
  };
  const list = (name: string, raw: string | undefined, fallback: number[]): number[] => (raw === undefined ? fallback : raw.split(',').map((s) => num(name, s.trim(), 0, 1)));
  const range = (values['kill-after-ms'] ?? '2000-5000').split('-').map((s) => num('kill-after-ms', s, 0, 0));
  if (range.length !== 2 || range[0] > range[1]) bad('--kill-after-ms must be MIN-MAX, e.g. 2000-5000');
  return {
    transfers: num('transfers', values.transfers, 8_000, 1),
    accounts: num('accounts', values.accounts, 100, 2),
    kills: num('kills', values.kills, 3, 0),
    partitions: num('partitions', values.partitions, 3, 1),
    reps: num('reps', values.reps, 1, 1),
    intervals: list('intervals', values.intervals, [1_000, 500, 200, 100]),
    everyN: list('every-n', values['every-n'], [1_000, 100]),
    sessions: list('sessions', values.sessions, [10_000]),
    maxUnacked: values['max-unacked'] === undefined ? [undefined] : list('max-unacked', values['max-unacked'], []),
    parallelism: values.parallelism === undefined ? [undefined] : list('parallelism', values.parallelism, []),
    restartDelayMs: num('restart-delay-ms', values['restart-delay-ms'], 1_000, 0),
    killAfterMs: [range[0], range[1]],
    out: values.out ?? fileURLToPath(new URL('results.jsonl', import.meta.url)),
    seed: num('seed', values.seed, Date.now() % 100_000, 0),
    reportOnly: values.report === true,
  };
}

/** A seeded pseudo-random generator (LCG), as chaos.ts has it. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
}

const settings = {
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  contactPoints: (process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042').split(','),
  localDc: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
};

/** One forked graph child, from fork to exit, with every snapshot it sent. */
class Life {
  readonly progress: Progress[] = [];
  readonly exited: Promise<void>;
  readonly startedAt = Date.now();
  #onProgress: ((p: Progress) => void) | undefined;

  constructor(
    readonly process: ChildProcess,
    /** Sum of the group's committed offsets when this child was forked. */
    readonly committedAtStart: number,
  ) {
    process.on('message', (m: unknown) => {
      if (!isProgress(m)) return;
      this.progress.push(m);
      this.#onProgress?.(m);
    });
    this.exited = new Promise<void>((resolve) => process.once('exit', () => resolve()));
  }

  get last(): Progress | undefined {
    return this.progress.at(-1);
  }

  /** Resolves with the first snapshot that satisfies `test` (maybe one already received). */
  until(test: (p: Progress) => boolean, timeoutMs: number, what: string): Promise<Progress> {
    const seen = this.progress.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<Progress>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#onProgress = undefined;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the graph child exited while waiting for ${what}`));
      });
      this.#onProgress = (p) => {
        if (!test(p)) return;
        this.#onProgress = undefined;
        clearTimeout(timer);
        resolve(p);
      };
    });
  }

  /** Resolves with the next snapshot to arrive. */
  next(timeoutMs: number): Promise<Progress> {
    const seen = this.progress.length;
    return this.until((p) => this.progress.indexOf(p) >= seen, timeoutMs, 'the next snapshot');
  }

  firstAt(test: (p: Progress) => boolean): number | undefined {
    const p = this.progress.find(test);
    return p === undefined ? undefined : p.at - this.startedAt;
  }
}

let current: Life | undefined;
const killCurrent = (): void => {
  if (current !== undefined && current.process.exitCode === null && current.process.signalCode === null) current.process.kill('SIGKILL');
};
process.on('exit', killCurrent);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killCurrent();
    process.exit(130);
  });
}

function fork_(config: ChildConfig, committedAtStart: number): Life {
  const entry = fileURLToPath(new URL('child.ts', import.meta.url));
  const child = fork(entry, [JSON.stringify(config)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const life = new Life(child, committedAtStart);
  current = life;
  return life;
}

/** Committed offsets per partition (undefined: none yet, read from 0), and their sum. */
function committedOf(lag: TopicLag): { sum: number; byPartition: Map<number, number> } {
  const byPartition = new Map(lag.partitions.map((p) => [p.partition, p.committed ?? 0]));
  return { sum: sum([...byPartition.values()]), byPartition };
}

interface JournalRow {
  readonly commandId: string;
  readonly kind: string;
  readonly at: number;
  readonly partition: number;
  readonly offset: number;
}

async function readJournal(client: cassandra.Client, keyspace: string): Promise<JournalRow[]> {
  const rows: JournalRow[] = [];
  let pageState: string | undefined;
  do {
    const page = await client.execute(`SELECT command_id, kind, delivery_id, kafka_partition, kafka_offset FROM ${keyspace}.${JOURNAL_TABLE}`, [], { prepare: true, fetchSize: 5_000, pageState, readTimeout: 120_000 });
    for (const row of page.rows) {
      const id: unknown = row.get('delivery_id');
      const offset: unknown = row.get('kafka_offset');
      rows.push({
        commandId: String(row.get('command_id')),
        kind: String(row.get('kind')),
        at: id instanceof cassandra.types.TimeUuid ? id.getDate().getTime() : Number.NaN,
        partition: Number(row.get('kafka_partition')),
        offset: cassandra.types.Long.isLong(offset) ? (offset as cassandra.types.Long).toNumber() : Number(offset),
      });
    }
    pageState = page.pageState ?? undefined;
  } while (pageState !== undefined);
  return rows;
}

/** The service branch's delivery rate and the commit rate while a child had a backlog: from its first written delivery to when its count stopped growing. */
function rates(lives: readonly Life[]): { throughput: number; commitsPerSecond: number } {
  let deliveries = 0;
  let commits = 0;
  let ms = 0;
  for (const life of lives) {
    const first = life.progress.find((p) => p.service > 0);
    const last = life.last;
    if (first === undefined || last === undefined) continue;
    const end = life.progress.find((p) => p.service >= last.service) ?? last;
    if (end.at <= first.at) continue;
    deliveries += end.service - first.service;
    commits += end.commits - first.commits;
    ms += end.at - first.at;
  }
  return ms === 0 ? { throughput: 0, commitsPerSecond: 0 } : { throughput: (deliveries / ms) * 1000, commitsPerSecond: (commits / ms) * 1000 };
}

async function runCell(o: Options, cell: Cell, rep: number, rand: () => number, admin: KafkaAdmin, client: cassandra.Client): Promise<RunRecord> {
  const id = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = { topic: `crash_${id}`, keyspace: `crash_${id}`, group: `crash_${id}` };
  const startedAt = new Date().toISOString();
  await admin.createTopics([names.topic, `${names.topic}-dead-letter`], { partitions: o.partitions });
  try {
    await createKeyspace(client, names.keyspace);
    await createCqrsTables(client, names.keyspace);
    await createMoneyTransferTables(client, names.keyspace);
    const sample = sampleCommands({ accounts: o.accounts, transfers: o.transfers, seed: Math.floor(rand() * 2 ** 31) });
    // The accounts are opened in the table the domain's `start` reads (not through the topic: a
    // transfer parsed before its to-account's open-account command, from another partition, is bad input).
    for (const account of sample.accounts) {
      await client.execute(`INSERT INTO ${names.keyspace}.${ACCOUNTS_TABLE} (account_id, owner, opened_by) VALUES (?, ?, ?)`, [account, `owner of ${account}`, 'crash-bench'], { prepare: true });
    }
    const commands = sample.transfers;
    await admin.produce(names.topic, commands.map(commandRecord));
    const config: ChildConfig = { ...settings, topic: names.topic, groupId: names.group, keyspace: names.keyspace, ...cell, metricsIntervalMs: 100 };

    const lives: Life[] = [];
    const killed: { life: Life; at: number; snapshot: Progress; committed: Map<number, number>; committedSum: number; lag: number }[] = [];
    const t0 = Date.now();
    for (let k = 0; k <= o.kills; k++) {
      const life = fork_(config, committedOf(await admin.lag(names.group, names.topic)).sum);
      lives.push(life);
      if (k === o.kills) break;
      await life.until((p) => p.commits > 0, 180_000, 'the first commit');
      await sleep(o.killAfterMs[0] + rand() * (o.killAfterMs[1] - o.killAfterMs[0]));
      // SIGKILL as soon as the next snapshot arrives: what it says is at most a few ms old
      const snapshot = await life.next(10_000);
      life.process.kill('SIGKILL');
      const at = Date.now();
      await life.exited;
      const lag = await admin.lag(names.group, names.topic);
      const c = committedOf(lag);
      killed.push({ life, at, snapshot, committed: c.byPartition, committedSum: c.sum, lag: lag.lag });
      log(`kill ${k + 1}: ${snapshot.records} records emitted, ${snapshot.unacknowledged} unacknowledged, ${snapshot.commits} commits; lag after it ${lag.lag}`);
      await sleep(o.restartDelayMs);
    }
    const last = lives[lives.length - 1];
    await admin.untilCommitted(names.group, names.topic, { timeoutMs: 600_000, failed: last.exited.then(() => Promise.reject(new Error('the last graph child exited'))) });
    const wallMs = Date.now() - t0;
    // a last snapshot after everything committed, then a clean stop
    await last.until((p) => p.at > Date.now() - 50 && p.service + p.log > 0, 5_000, 'a last snapshot').catch(() => undefined);
    last.process.kill('SIGTERM');
    await last.exited;
    current = undefined;

    const deadLettered = await admin.topicSize(`${names.topic}-dead-letter`);
    const journal = await readJournal(client, names.keyspace);
    const kinds = (kind: string): { rows: number; commands: number } => {
      const rows = journal.filter((r) => r.kind === kind);
      return { rows: rows.length, commands: new Set(rows.map((r) => r.commandId)).size };
    };
    const applied = kinds('applied');
    const logged = kinds('logged');
    const kills: KillRecord[] = killed.map((x, i) => {
      const next = lives[i + 1];
      const redelivered = journal.filter((r) => r.at >= x.life.startedAt - 1_000 && r.at <= x.at && r.offset >= (x.committed.get(r.partition) ?? 0));
      const reRead = x.snapshot.records - (x.committedSum - x.life.committedAtStart);
      // Of those, the records a commit at the moment of the kill would have covered: from each
      // partition's committed offset, the run of consecutive offsets both branches had written.
      const both = new Map<number, Map<number, Set<string>>>();
      for (const r of redelivered) {
        const offsets = both.get(r.partition) ?? new Map<number, Set<string>>();
        both.set(r.partition, offsets);
        offsets.set(r.offset, (offsets.get(r.offset) ?? new Set<string>()).add(r.kind));
      }
      let committable = 0;
      for (const [partition, offsets] of both) {
        for (let o = x.committed.get(partition) ?? 0; offsets.get(o)?.size === 2; o++) committable++;
      }
      const firstCommitAt = x.life.firstAt((p) => p.commits > 0) ?? 0;
      return {
        aliveMs: x.at - x.life.startedAt,
        afterFirstCommitMs: x.at - x.life.startedAt - firstCommitAt,
        lagAtKill: x.lag,
        snapshot: x.snapshot,
        reRead,
        unacknowledged: x.snapshot.unacknowledged,
        ackedNotCommitted: reRead - x.snapshot.unacknowledged,
        extraApplied: redelivered.filter((r) => r.kind === 'applied').length,
        extraLogged: redelivered.filter((r) => r.kind === 'logged').length,
        committableAtKill: committable,
        restartToFirstCommitMs: next.firstAt((p) => p.commits > 0),
        restartToFirstRecordMs: next.firstAt((p) => p.records > 0),
      };
    });
    const r = rates(lives);
    return {
      cell,
      rep,
      startedAt,
      commands: commands.length,
      partitions: o.partitions,
      kills,
      appliedRows: applied.rows,
      loggedRows: logged.rows,
      appliedCommands: applied.commands,
      loggedCommands: logged.commands,
      extraApplied: applied.rows - applied.commands,
      extraLogged: logged.rows - logged.commands,
      throughput: r.throughput,
      commitsPerSecond: r.commitsPerSecond,
      wallMs,
      firstStartToFirstCommitMs: lives[0].firstAt((p) => p.commits > 0),
      deadLettered,
      loadAverage: loadavg()[0],
    };
  } finally {
    killCurrent();
    await current?.exited;
    current = undefined;
    await dropKeyspace(client, names.keyspace).catch(() => undefined);
    await admin.deleteTopics([names.topic, `${names.topic}-dead-letter`]).catch(() => undefined);
  }
}

export async function runCrash(argv: readonly string[]): Promise<void> {
  const o = options(argv);
  if (o.reportOnly) {
    printReport(o.out);
    return;
  }
  const rand = random(o.seed);
  const kafka = new Kafka({ clientId: 'dendrites-crash-bench', brokers: settings.brokers, logLevel: logLevel.NOTHING });
  const admin = kafkaAdmin({ kafka });
  const client = new cassandra.Client({ contactPoints: settings.contactPoints, localDataCenter: settings.localDc });
  await client.connect();
  const cells: Cell[] = o.sessions.flatMap((sessionTimeoutMs) =>
    o.intervals.flatMap((commitIntervalMs) =>
      o.everyN.flatMap((commitEveryN) => o.maxUnacked.flatMap((maxUnacknowledged) => o.parallelism.map((parallelism) => ({ commitIntervalMs, commitEveryN, sessionTimeoutMs, maxUnacknowledged, parallelism })))),
    ),
  );
  log(`seed ${o.seed}; ${cells.length} cells × ${o.reps} reps; ${o.transfers} transfers + ${o.accounts} opens, ${o.kills} kills, ${o.partitions} partitions; results to ${o.out}`);
  try {
    for (let rep = 1; rep <= o.reps; rep++) {
      // a fresh order each repetition, so a slow spell of the shared machine does not always hit the same cell
      const order = cells.map((c) => ({ c, r: rand() })).sort((a, b) => a.r - b.r).map((x) => x.c);
      for (const cell of order) {
        log(`rep ${rep}: commitIntervalMs ${cell.commitIntervalMs}, commitEveryN ${cell.commitEveryN}, sessionTimeoutMs ${cell.sessionTimeoutMs}, maxUnacknowledged ${cell.maxUnacknowledged ?? 'default'}, parallelism ${cell.parallelism ?? 'default'}`);
        const record = await runCell(o, cell, rep, rand, admin, client);
        appendFileSync(o.out, `${JSON.stringify(record)}\n`);
        const perKill = record.kills.map((k) => k.extraApplied).join(', ');
        log(
          `  extra deliveries ${record.extraApplied} applied / ${record.extraLogged} logged of ${record.commands} (per kill ${perKill}); ` +
            `restart → first commit ${record.kills.map((k) => ((k.restartToFirstCommitMs ?? Number.NaN) / 1000).toFixed(1)).join(', ')} s; ` +
            `${record.throughput.toFixed(0)} deliveries/s, ${record.commitsPerSecond.toFixed(1)} commits/s; wall ${(record.wallMs / 1000).toFixed(0)} s`,
        );
      }
    }
  } finally {
    await admin.close();
    await client.shutdown();
  }
  printReport(o.out);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runCrash(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`crash bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      killCurrent();
      process.exit(1);
    },
  );
}
