#!/usr/bin/env node
/**
 * The `dendrites` command: `demo`, `compensate`, `reconcile`, `run`, `produce`, `graph`, `services`.
 * Exit codes: 0 done (for `demo`: balances correct), 1 failed, 2 bad arguments.
 *
 * Every command checks all its arguments before it connects to anything, and a failure is one
 * line on stderr (failure.ts). A command's module is loaded only when it runs, so `dendrites
 * --help` works without the peer dependencies and a missing one is named.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { failureOf } from './failure.js';

interface Loaded {
  readonly usage: string;
  readonly run: (argv: readonly string[]) => Promise<number>;
}

interface Command {
  /** One line for the list of commands. */
  readonly summary: string;
  readonly load: () => Promise<Loaded>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  demo: {
    summary: 'the CQRS stream end to end: a real crash, redelivery, the compensation job, the state checked',
    load: async () => import('./demo.js').then((m) => ({ usage: m.DEMO_USAGE, run: m.demoCommand })),
  },
  compensate: {
    summary: 'undoes the extra deliveries of commands applied more than once',
    load: async () => import('./compensate.js').then((m) => ({ usage: m.COMPENSATE_USAGE, run: m.compensateCommand })),
  },
  reconcile: {
    summary: 'finds (and with --repair applies) committed commands never applied or never logged',
    load: async () => import('./reconcile.js').then((m) => ({ usage: m.RECONCILE_USAGE, run: m.reconcileCommand })),
  },
  run: {
    summary: "runs a domain's command graph until SIGTERM or Ctrl-C",
    load: async () => import('./run.js').then((m) => ({ usage: m.RUN_USAGE, run: m.runCommand })),
  },
  produce: {
    summary: "produces a domain's demo commands to a topic",
    load: async () => import('./produce.js').then((m) => ({ usage: m.PRODUCE_USAGE, run: m.produceCommand })),
  },
  graph: {
    summary: 'prints the command graph as a Mermaid flowchart (connects to nothing)',
    load: async () => import('./graph.js').then((m) => ({ usage: m.GRAPH_USAGE, run: m.graphCommand })),
  },
  services: {
    summary: 'starts, stops or checks local Kafka and Cassandra',
    load: async () => import('./services.js').then((m) => ({ usage: m.SERVICES_USAGE, run: m.servicesCommand })),
  },
};

export const USAGE = `usage: dendrites <command> [options]   (dendrites <command> --help for its options)
commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`).join('\n')}
Kafka: KAFKA_BROKERS (default 127.0.0.1:9092). Cassandra: CASSANDRA_CONTACT_POINTS, CASSANDRA_LOCAL_DC (default 127.0.0.1:9042, datacenter1).
Exit codes: 0 done, 1 failed, 2 bad arguments.`;

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (name === undefined) {
    console.error(USAGE);
    return 2;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    console.error(`dendrites: unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')} (dendrites --help says what each does)`);
    return 2;
  }
  try {
    const loaded = await command.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(loaded.usage);
      return 0;
    }
    return await loaded.run(rest);
  } catch (error) {
    const failure = failureOf(error);
    const hint = failure.code === 2 ? ` (dendrites ${name} --help lists its options)` : '';
    console.error(`dendrites ${name}: ${failure.message}${hint}`);
    if (failure.stack !== undefined) console.error(failure.stack);
    return failure.code;
  }
}

/** Whether this module is the program: npm links the bin through a symlink, so compare real paths. */
function isMain(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const failure = failureOf(error);
      console.error(`dendrites: ${failure.message}`);
      process.exit(failure.code);
    },
  );
}
