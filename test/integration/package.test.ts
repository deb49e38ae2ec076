// The package as a user gets it: `npm pack` (which builds it: `prepack` runs `npm run build`), the
// tarball installed into an empty project with the peer dependencies at the versions of our
// package-lock, a small program per entry point type-checked by the installed tsc (strict,
// NodeNext) and run by node, and the `dendrites` command run through npx. Then a project with
// only the tarball: the engine works without kafkajs, cassandra-driver and avsc (optional peers),
// and the CLI names what is missing. Nothing here connects to Kafka or Cassandra.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { types: string; import: string }> };

/** The version of `name` our package-lock holds. */
function locked(name: string): string {
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
  return `${name}@${version}`;
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (no shell) with npm's own variables of the outer `npm test` left out. */
function sh(command: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<Result> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like `sh`, failing with the output when the exit code is not 0. */
async function ok(command: string, args: readonly string[], cwd: string): Promise<Result> {
  const r = await sh(command, args, cwd);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    // Our .d.ts files are checked too, against the peers' types.
    skipLibCheck: false,
    noEmitOnError: true,
    rootDir: 'src',
    outDir: 'out',
  },
  include: ['src'],
};

/** A program per entry point (what it imports, uses, and prints), and the lines it must print. */
const PROGRAMS: Readonly<Record<string, { readonly source: string; readonly stdout: readonly string[] }>> = {
  core: {
    source: `
import { ConfigError, type Flow, broadcast, buffer, collect, filter, fold, fromArray, graph, map } from 'dendrites';

const double: Flow<number, number> = map((n: number) => n * 2);
const doubled = await fromArray([1, 2, 3, 4]).via(double).via(filter((n: number) => n > 2)).to(collect()).run().done;
console.log('doubled ' + JSON.stringify(doubled));

const g = graph((b) => {
  const fanout = b.add(broadcast<number>(2), 'fanout');
  b.connect(fromArray([1, 2, 3]), fanout);
  const sum = b.add(fold(0, (s, n: number) => s + n), 'sum');
  const all = b.add(collect<string>(), 'all');
  b.connect(fanout, sum);
  b.connect(fanout, map((n: number) => '#' + n), all);
  return { sum, all };
});
const { sum, all } = await g.run().done;
console.log('sum ' + sum + ', all ' + all.join(','));

try {
  buffer({ size: 0 });
} catch (error) {
  console.log('ConfigError ' + (error instanceof ConfigError) + ': ' + (error as Error).message);
}
`,
    stdout: ['doubled [4,6,8]', 'sum 6, all #1,#2,#3', 'ConfigError true: buffer: size must be a whole number of at least 1, got 0'],
  },
  kafka: {
    source: `
import { Kafka, logLevel } from 'kafkajs';
import { ConfigError } from 'dendrites';
import { DEAD_LETTER_HEADERS, type KafkaSourceOptions, kafkaAdmin, kafkaSink, kafkaSource } from 'dendrites/kafka';

// Built, never run: nothing connects until a graph runs.
const kafka = new Kafka({ clientId: 'consumer', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
const options: KafkaSourceOptions = { kafka, groupId: 'g', topics: ['commands'], fromBeginning: true, commitEveryN: 100 };
const source = kafkaSource(options);
const sink = kafkaSink({ brokers: ['127.0.0.1:1'], topic: 'out' });
const admin = kafkaAdmin({ kafka });
console.log('source ' + typeof source.via + ', sink ' + typeof sink + ', admin on our client ' + (admin.kafka === kafka));
const bad: KafkaSourceOptions[] = [{ ...options, topics: [] }, { ...options, heartbeatIntervalMs: 40_000 }, { groupId: 'g', topics: ['t'] }];
for (const o of bad) {
  try {
    kafkaSource(o);
    console.log('no error');
  } catch (error) {
    console.log('ConfigError ' + (error instanceof ConfigError) + ': ' + (error as Error).message);
  }
}
console.log('dead-letter error header ' + DEAD_LETTER_HEADERS.error);
await admin.close();
`,
    stdout: [
      'source function, sink object, admin on our client true',
      'ConfigError true: kafkaSource: topics must be a non-empty list',
      'ConfigError true: kafkaSource: heartbeatIntervalMs (40000) must be below sessionTimeoutMs (10000)',
      'ConfigError true: kafkaSource: brokers must be a non-empty list of host:port strings (or give a kafka client)',
      'dead-letter error header dendrites-error',
    ],
  },
  cassandra: {
    source: `
import cassandra from 'cassandra-driver';
import { ConfigError } from 'dendrites';
import { type CqlClient, bucketOf, cassandraBind, cassandraSink, cqlIdentifier, eventLogTablesCql, newDeliveryId } from 'dendrites/cassandra';

console.log('identifier ' + cqlIdentifier('keyspace', 'shop_1'));
try {
  cqlIdentifier('keyspace', 'a; DROP KEYSPACE x');
} catch (error) {
  console.log('ConfigError ' + (error instanceof ConfigError) + ': ' + (error as Error).message);
}
console.log('event log tables ' + eventLogTablesCql('shop_1').length + ', bucket ' + bucketOf(Date.UTC(2026, 0, 1, 10, 30), 3_600_000).toISOString());
console.log('delivery id ' + /^[0-9a-f-]{36}$/.test(newDeliveryId()));
// The user's cassandra-driver Client is a CqlClient; never connected here.
const client: CqlClient = new cassandra.Client({ contactPoints: ['127.0.0.1:1'], localDataCenter: 'dc1' });
const bind = cassandraBind<{ id: string }>({ cql: 'INSERT INTO shop_1.t (id) VALUES (?)', bind: (row) => [row.id] });
const sink = cassandraSink<{ id: string }>({ client, parallelism: 4 });
console.log('bind ' + typeof bind.via + ', sink ' + typeof sink);
try {
  cassandraSink({ client, parallelism: 0 });
} catch (error) {
  console.log('ConfigError ' + (error instanceof ConfigError) + ': ' + (error as Error).message);
}
`,
    stdout: [
      'identifier shop_1',
      'ConfigError true: keyspace must be a CQL identifier (a letter, then letters, digits or _; at most 48), got "a; DROP KEYSPACE x"',
      'event log tables 2, bucket 2026-01-01T10:00:00.000Z',
      'delivery id true',
      'bind function, sink object',
      'ConfigError true: cassandraSink: parallelism must be a whole number of at least 1, got 0',
    ],
  },
  avro: {
    source: `
import avro from 'avsc';
import { ConfigError, collect, fromArray, map } from 'dendrites';
import { avroDeserializer, avroSerializer } from 'dendrites/avro';
import type { KafkaRecord } from 'dendrites/kafka';

interface Reading { readonly sensor: string; readonly celsius: number }
// A Type made with this project's avsc: dendrites must see it as a Type (instanceof), so there is one avsc.
const type = avro.Type.forSchema({ type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }, { name: 'celsius', type: 'double' }] });
const readings: Reading[] = [{ sensor: 'a', celsius: 20.5 }, { sensor: 'b', celsius: -3 }];
const encoded = await fromArray(readings).via(avroSerializer<Reading>(type)).to(collect()).run().done;
console.log('encoded ' + encoded.length + ', the first is ' + JSON.stringify(type.fromBuffer(encoded[0])));

const record = (value: Buffer, offset: number): KafkaRecord => ({ topic: 'readings', partition: 0, offset: String(offset), key: null, value, headers: {}, timestamp: '0' });
const decoded = await fromArray([...encoded, Buffer.from('not avro')].map(record))
  .via(avroDeserializer<Reading>(type))
  .via(map((d) => (d.ok ? d.value.sensor + '=' + d.value.celsius : 'invalid@' + d.record.offset)))
  .to(collect())
  .run().done;
console.log('decoded ' + decoded.join(' '));
try {
  avroSerializer('no-such-type');
} catch (error) {
  console.log('ConfigError ' + (error instanceof ConfigError));
}
`,
    stdout: ['encoded 2, the first is {"sensor":"a","celsius":20.5}', 'decoded a=20.5 b=-3 invalid@2', 'ConfigError true'],
  },
  cqrs: {
    source: `
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { BadInputError, ConfigError } from 'dendrites';
import { cqrsTablesCql, defineDomain, eventId, parallelCommandGraph, seriesCommandGraph } from 'dendrites/cqrs';

interface Award { readonly id: string; readonly member: string; readonly points: number }
const loyalty = defineDomain<Award>({
  name: 'loyalty',
  decode: (value: Buffer) => JSON.parse(value.toString('utf8')) as unknown,
  parse: (value) => {
    const v = value as Partial<Award>;
    if (typeof v.id !== 'string' || typeof v.member !== 'string' || typeof v.points !== 'number') throw new BadInputError('not an award');
    return { id: v.id, member: v.member, points: v.points };
  },
  commandId: (c) => c.id,
  apply: ({ command: c, delivery }, { keyspace }) => [{ query: 'INSERT INTO ' + keyspace + '.points (member, entry_id, points) VALUES (?, ?, ?)', params: [c.member, c.id + ':' + delivery.id, c.points] }],
  events: ({ command: c }) => [{ action: 'points-awarded', aggregateId: c.member, data: c }],
  compensate: (c, count, { keyspace }) => [{ query: 'INSERT INTO ' + keyspace + '.points (member, entry_id, points) VALUES (?, ?, ?)', params: [c.member, 'comp:' + c.id, -c.points * count] }],
});
console.log('tables ' + cqrsTablesCql('loyalty').length + ', event ids ' + eventId('c1', 0) + ' ' + eventId('c1', 1));

// The user's own kafkajs and cassandra-driver clients, handed to the graphs: built, never run.
const kafka = new Kafka({ clientId: 'consumer', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
const client = new cassandra.Client({ contactPoints: ['127.0.0.1:1'], localDataCenter: 'dc1' });
const options = { kafka, client, topic: 'loyalty', groupId: 'loyalty', keyspace: 'loyalty', domain: loyalty };
console.log('parallel ' + parallelCommandGraph(options).toMermaid().split('\\n')[0] + ', series ' + seriesCommandGraph(options).toMermaid().split('\\n')[0]);
try {
  parallelCommandGraph({ ...options, keyspace: 'bad keyspace' });
} catch (error) {
  console.log('ConfigError ' + (error instanceof ConfigError) + ': ' + (error as Error).message);
}
await client.shutdown();
`,
    stdout: [
      'tables 5, event ids c1 c1:1',
      'parallel flowchart LR, series flowchart LR',
      'ConfigError true: parallelCommandGraph: keyspace must be a CQL identifier (a letter, then letters, digits or _; at most 48), got "bad keyspace"',
    ],
  },
  stage: {
    source: `
import { collect, type Flow, fromArray } from 'dendrites';
import { chunkOf, defineStep, positiveInteger } from 'dendrites/stage';

/** A step of our own: each element with the one before it. */
function pairs<T>(): Flow<T, [T, T]> {
  return defineStep<T, [T, T]>('pairs', (_ctx, out) => {
    let previous: { value: T } | undefined;
    return (item, ack) => {
      const before = previous;
      previous = { value: item };
      if (before === undefined) return out.drop(ack);
      out.emit([before.value, item], ack);
    };
  });
}

console.log('pairs ' + JSON.stringify(await fromArray(['a', 'b', 'c']).via(pairs<string>()).to(collect()).run().done));
console.log('chunk ' + chunkOf([1, 2]).items.length + ', positiveInteger ' + positiveInteger('mine', 'size', undefined, 8));
`,
    stdout: ['pairs [["a","b"],["b","c"]]', 'chunk 2, positiveInteger 8'],
  },
  testkit: {
    source: `
import { map } from 'dendrites';
import { probeSink, probeSource } from 'dendrites/testkit';

const source = probeSource<number>();
const sink = probeSink<number>();
const handle = source.source.via(map((n: number) => n * 10)).runWith(sink.sink);
sink.request(2);
const demand = await source.expectRequest();
source.sendNext(1, 2);
await sink.expectNext(10, 20);
source.sendComplete();
sink.request(1);
await sink.expectComplete();
await handle.done;
console.log('demand ' + (demand > 0) + ', received ' + JSON.stringify(sink.received));
`,
    stdout: ['demand true, received [10,20]'],
  },
  'money-transfer': {
    source: `
import { demo, domain, openAccount, transferMoney } from 'dendrites/samples/money-transfer';

const scenario = demo.scenario({ commands: 20, seed: 7 });
console.log(domain.name + ': ' + scenario.setup.length + ' setup, ' + scenario.commands.length + ' commands, ' + scenario.bad.length + ' bad');
console.log(typeof openAccount + ' ' + typeof transferMoney);
`,
    stdout: ['money-transfer: 2 setup, 20 commands, 3 bad', 'function function'],
  },
  inventory: {
    source: `
import { demo, domain, restock, SKU_COUNT } from 'dendrites/samples/inventory';

const scenario = demo.scenario({ commands: 20, seed: 7 });
console.log(domain.name + ': ' + scenario.setup.length + ' setup, ' + scenario.commands.length + ' commands, ' + scenario.bad.length + ' bad, ' + SKU_COUNT + ' skus');
console.log(typeof restock);
`,
    stdout: ['inventory: 50 setup, 20 commands, 4 bad, 50 skus', 'function'],
  },
};

/** An empty ESM project in `dir` with `programs` in src/, and `packages` installed. */
async function project(dir: string, packages: readonly string[], programs: readonly string[]): Promise<void> {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: path.basename(dir), private: true, type: 'module' }, null, 2)}\n`);
  writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  for (const name of programs) writeFileSync(path.join(dir, 'src', `${name}.ts`), PROGRAMS[name].source.trimStart());
  await ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...packages], dir);
}

let work: string;
let tarball: string;
let packOutput: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'dendrites-package-'));
  const pack = await ok('npm', ['pack', '--pack-destination', work], ROOT);
  packOutput = pack.stdout + pack.stderr;
  const [file] = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  expect(file).toBeDefined();
  tarball = path.join(work, file);
});

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('npm pack builds it first and ships dist (every exports target, the CLI, the services), docs, examples and the README', async () => {
    expect(packOutput).toContain('npm run build'); // prepack
    const files = new Set((await ok('tar', ['-tzf', tarball], work)).stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^package\//, '')));
    for (const target of Object.values(manifest.exports)) {
      for (const file of typeof target === 'string' ? [target] : [target.types, target.import]) expect(files, file).toContain(file.replace(/^\.\//, ''));
    }
    for (const file of ['dist/src/cli/main.js', 'dist/services/launcher.js', 'dist/services/kafka/pom.xml', 'dist/services/cassandra/cassandra.yaml', 'dist/docker-compose.yml', 'dist/schemas/command.avsc', 'docs/cqrs.md', 'docs/engine.md', 'examples/in-memory-graph.ts', 'examples/own-domain.ts', 'README.md', 'package.json']) {
      expect(files, file).toContain(file);
    }
    expect([...files].filter((f) => /^(src|test|bench|chaos|node_modules)\//.test(f))).toEqual([]);
  });

  describe('installed with its peers in an empty project', () => {
    let app: string;

    beforeAll(async () => {
      app = path.join(work, 'app');
      await project(app, [tarball, ...['kafkajs', 'cassandra-driver', 'avsc', 'typescript', '@types/node'].map(locked)], Object.keys(PROGRAMS));
    });

    it('a program per entry point type-checks with tsc (strict, NodeNext, our .d.ts included) and runs', async () => {
      const tsc = await sh('npx', ['--no', '--', 'tsc', '-p', '.'], app);
      expect({ code: tsc.code, out: tsc.stdout + tsc.stderr }).toEqual({ code: 0, out: '' });
      for (const [name, program] of Object.entries(PROGRAMS)) {
        const r = await sh(process.execPath, [path.join('out', `${name}.js`)], app);
        expect({ program: name, code: r.code, stdout: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr }).toEqual({ program: name, code: 0, stdout: program.stdout, stderr: '' });
      }
    });

    it('npx dendrites --help prints the usage and exits 0', async () => {
      const r = await sh('npx', ['--no', '--', 'dendrites', '--help'], app);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^usage: dendrites <command> \[options\]/);
      for (const command of ['demo', 'compensate', 'reconcile', 'run', 'produce', 'graph', 'services']) expect(r.stdout).toContain(`  ${command} `);
    });

    it("npx dendrites compensate --keyspace 'a; DROP' exits 2 with one line naming the keyspace, and connects to nothing", async () => {
      // Where the CLI would connect, a server that counts who does.
      let connections = 0;
      const server = net.createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const at = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      try {
        const r = await sh('npx', ['--no', '--', 'dendrites', 'compensate', '--keyspace', 'a; DROP'], app, { KAFKA_BROKERS: at, CASSANDRA_CONTACT_POINTS: at });
        expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
        const lines = r.stderr.split('\n').filter((l) => l !== '');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^dendrites compensate: .*--keyspace must be a CQL identifier .*, got "a; DROP"/);
        expect(connections).toBe(0);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });

  describe('installed alone (kafkajs, cassandra-driver and avsc are optional peers)', () => {
    let core: string;

    beforeAll(async () => {
      core = path.join(work, 'core-only');
      await project(core, [tarball, locked('typescript'), locked('@types/node')], ['core']);
    });

    it('the engine type-checks and runs without the peers', async () => {
      for (const peer of ['kafkajs', 'cassandra-driver', 'avsc']) expect(readdirSync(path.join(core, 'node_modules'))).not.toContain(peer);
      const tsc = await sh('npx', ['--no', '--', 'tsc', '-p', '.'], core);
      expect({ code: tsc.code, out: tsc.stdout + tsc.stderr }).toEqual({ code: 0, out: '' });
      const r = await sh(process.execPath, [path.join('out', 'core.js')], core);
      expect({ code: r.code, stdout: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr }).toEqual({ code: 0, stdout: PROGRAMS.core.stdout, stderr: '' });
    });

    it('the CLI prints its usage, and a command says which peers to install (exit 1, one line)', async () => {
      const help = await sh('npx', ['--no', '--', 'dendrites', '--help'], core);
      expect(help.code).toBe(0);
      const r = await sh('npx', ['--no', '--', 'dendrites', 'compensate', '--domain', 'inventory', '--keyspace', 'ks', '--since', 'now-1h', '--until', 'now'], core);
      expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({
        code: 1,
        stderr: 'dendrites compensate: this command needs the npm packages kafkajs, cassandra-driver, avsc, peer dependencies of dendrites that are not installed: npm install kafkajs cassandra-driver avsc',
      });
    });
  });
});
