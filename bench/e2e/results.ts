// Writes the "e2e" section of bench/RESULTS.md, between its markers, leaving the rest of
// the file (the "core" section, maintained separately) as it is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FILE = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
const BEGIN = '<!-- e2e:begin -->';
const END = '<!-- e2e:end -->';

export interface E2eReport {
  readonly date: string;
  readonly command: string;
  readonly commands: number;
  readonly rounds: number;
  readonly machine: { readonly nproc: number; readonly memoryGb: number; readonly cpu: string };
  readonly load: { readonly start: string; readonly end: string };
  readonly versions: Readonly<Record<string, string>>;
  /** Medians with (min–max), already formatted. */
  readonly rows: readonly { contender: string; rate: string; p50: string; p99: string; rss: string; cpu: string; processCpu: string; note: string }[];
  readonly ceilingRounds: readonly string[];
  readonly backlog: string | undefined;
  readonly targets: readonly string[];
}

/** Hand-written analysis kept across runs: the text between these markers is not regenerated. */
const NOTES_BEGIN = '<!-- e2e:notes:begin -->';
const NOTES_END = '<!-- e2e:notes:end -->';

function section(r: E2eReport, notes: string): string {
  const v = r.versions;
  return [
    BEGIN,
    '## e2e',
    '',
    '`npm run bench -- e2e` (Kafka → graph → Cassandra on the local services). This part, up to the notes, is written by the benchmark.',
    '',
    `Run ${r.date.slice(0, 16).replace('T', ' ')} UTC, \`${r.command}\` · ${r.commands.toLocaleString('en')} transfer commands on 6 partitions, ${r.rounds} rounds, contenders interleaved (order rotated each round), medians with (min–max) · ` +
      `machine: ${r.machine.nproc} cores (${r.machine.cpu}), ${r.machine.memoryGb} GB, shared with other work; load average ${r.load.start} at the start, ${r.load.end} at the end · ` +
      `node ${v.node}, Kafka ${v.kafka}, Cassandra ${v.cassandra}, kafkajs ${v.kafkajs}, cassandra-driver ${v['cassandra-driver']}, avsc ${v.avsc}, dendrites ${v.dendrites}.`,
    '',
    '| contender | commands/s | e2e latency p50 ms | p99 ms | peak RSS MB | client CPU ms per 1,000 commands | whole process CPU ms per 1,000 | how |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...r.rows.map((x) => `| ${x.contender} | ${x.rate} | ${x.p50} | ${x.p99} | ${x.rss} | ${x.cpu} | ${x.processCpu} | ${x.note} |`),
    '',
    ...r.targets.map((t) => `- ${t}`),
    ...(r.backlog === undefined ? [] : [`- ${r.backlog}.`]),
    ...r.ceilingRounds.map((c, i) => `- ceiling round ${i + 1} (writes in flight → commands/s): ${c}.`),
    '',
    'Method. The commands are produced once (Avro, schemas/command.avsc, keyed by the debited account) and every run reads them on a fresh consumer group into a fresh keyspace, where the 100 accounts were opened, so the domain knows them. Per command every contender does the same work: decode, validate, the service write (one logged batch: the debit and credit ledger entries and the two `applied` journal rows) and the event-log write (one logged batch: `event_log`, `event_log_by_aggregate` and the two `logged` journal rows); the Kafka contenders commit an offset only after both writes of every record up to it. Each run is checked (journal and event-log rows, ledger entries and balance per account, event-log rows per aggregate, all offsets committed); a wrong run fails the bench. Throughput is commands over the time from the first record fetched (ceiling: its best level, see bench/e2e/ceiling.ts) to the last write acknowledged. Latency is sampled (1 command in 16) from the arrival of the record\'s fetched batch at the consumer to both of its writes acknowledged, stamped per command for every contender. Client CPU is user + system time of the contender\'s process (every thread: JIT, GC, driver I/O) over the same window; the whole-process figure adds start-up, group join and shutdown. Peak RSS is the process\'s high-water mark (`maxRSS`, the JVM\'s `VmHWM`).',
    '',
    NOTES_BEGIN,
    notes.trim(),
    NOTES_END,
    END,
  ].join('\n');
}

export function writeE2eSection(r: E2eReport): void {
  const old = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Benchmark results\n';
  const start = old.indexOf(BEGIN);
  const end = old.indexOf(END);
  let notes = '';
  if (start >= 0 && end > start) {
    const body = old.slice(start, end);
    const ns = body.indexOf(NOTES_BEGIN);
    const ne = body.indexOf(NOTES_END);
    if (ns >= 0 && ne > ns) notes = body.slice(ns + NOTES_BEGIN.length, ne);
  }
  const text = section(r, notes);
  const next = start >= 0 && end > start ? old.slice(0, start) + text + old.slice(end + END.length) : `${old.trimEnd()}\n\n${text}\n`;
  writeFileSync(FILE, next);
}
