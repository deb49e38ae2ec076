#!/usr/bin/env node
/**
 * The `dendrites` command: `demo`, `compensate`, `reconcile`, `services`, `produce`, `graph`, `run`.
 * Exit codes: 0 done (for `demo`: balances correct), 1 failed, 2 bad arguments.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main as servicesMain } from '../../services/launcher.js';
import { ConfigError, messageOf } from '../errors.js';
import { UsageError } from './args.js';
import { COMPENSATE_USAGE, compensateCommand } from './compensate.js';
import { DEMO_USAGE, demoCommand } from './demo.js';
import { GRAPH_USAGE, graphCommand } from './graph.js';
import { PRODUCE_USAGE, produceCommand } from './produce.js';
import { RECONCILE_USAGE, reconcileCommand } from './reconcile.js';
import { RUN_USAGE, runCommand } from './run.js';

const SERVICES_USAGE = 'usage: dendrites services up|down|status|logs   local Kafka and Cassandra';

const COMMANDS: Readonly<Record<string, { readonly usage: string; readonly run: (argv: readonly string[]) => Promise<number> }>> = {
  demo: { usage: DEMO_USAGE, run: demoCommand },
  compensate: { usage: COMPENSATE_USAGE, run: compensateCommand },
  reconcile: { usage: RECONCILE_USAGE, run: reconcileCommand },
  services: { usage: SERVICES_USAGE, run: (argv) => servicesMain([...argv]) },
  produce: { usage: PRODUCE_USAGE, run: produceCommand },
  graph: { usage: GRAPH_USAGE, run: graphCommand },
  run: { usage: RUN_USAGE, run: runCommand },
};

const USAGE = `usage: dendrites <command> [options]   (dendrites <command> --help for its options)
commands: ${Object.keys(COMMANDS).join(', ')}`;

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`dendrites: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`dendrites ${name}: ${messageOf(error)}\n${command.usage}`);
      return 2;
    }
    console.error(`dendrites ${name}: ${error instanceof Error ? (error.stack ?? error.message) : messageOf(error)}`);
    return 1;
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
      console.error(`dendrites: ${messageOf(error)}`);
      process.exit(1);
    },
  );
}
