// CLI: npm run services -- up [--nodes 1|3] | down | status | logs [LINES]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeCount, type NodeCount } from './cluster.js';
import { dockerStatus, servicesDown, servicesLogs, servicesStatus, servicesUp } from './services.js';
import { errorMessage } from './proc.js';
import { secs } from './jvm.js';

const USAGE = 'usage: npm run services -- up [--nodes 1|3] | down | status | logs [LINES]';

/** A parsed command line: the action, `--nodes` (only `up` takes it) and the positionals after the action. */
interface LauncherArgs {
  readonly action: string | undefined;
  readonly nodes: NodeCount;
  readonly rest: readonly string[];
}

/** Parses with node:util parseArgs; throws a message for the user on anything it does not take. */
export function launcherArgs(argv: readonly string[]): LauncherArgs {
  const { values, positionals } = parseArgs({ args: [...argv], options: { nodes: { type: 'string' } }, allowPositionals: true, strict: true });
  const [action, ...rest] = positionals;
  if (values.nodes !== undefined && action !== 'up') throw new Error(`--nodes goes with up only (down, status and logs act on what up recorded)`);
  return { action, nodes: nodeCount(values.nodes), rest };
}

export async function main(argv: string[]): Promise<number> {
  const started = Date.now();
  let args: LauncherArgs;
  try {
    args = launcherArgs(argv);
  } catch (err: unknown) {
    console.error(`services: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  switch (args.action) {
    case 'up': {
      const s = await servicesUp({ nodes: args.nodes });
      console.log(`services up in ${secs(started)}: KAFKA_BROKERS=${s.kafkaBrokers.join(',')} ` +
        `CASSANDRA_CONTACT_POINTS=${s.cassandraContactPoints.join(',')} CASSANDRA_LOCAL_DC=${s.cassandraLocalDc}`);
      return 0;
    }
    case 'down':
      await servicesDown();
      console.log(`services down in ${secs(started)}`);
      return 0;
    case 'status': {
      const all = await servicesStatus();
      const width = Math.max(9, ...all.map((s) => s.name.length));
      for (const s of all) {
        const pid = s.pid !== undefined ? `pid ${s.pid}` : s.mode === 'external' ? 'external' : 'no JVM of ours';
        const state = s.healthy ? `healthy (${s.detail})` : `NOT healthy (${s.detail})`;
        console.log(`${s.name.padEnd(width)} ${s.endpoints.join(',').padEnd(16)} ${pid.padEnd(16)} port ${s.portOpen ? 'open' : 'closed'}  ${state}`);
      }
      const docker = dockerStatus();
      if (docker !== undefined) console.log(docker);
      return 0;
    }
    case 'logs':
      console.log(servicesLogs(Number(args.rest[0] ?? 50)));
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`services: ${errorMessage(err)}`);
      process.exit(1);
    },
  );
}
