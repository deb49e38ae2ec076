/** `dendrites services up|down|status|logs [LINES]`: the local Kafka and Cassandra (services/launcher.ts). */
import { UsageError } from './args.js';

export const SERVICES_USAGE = `usage: dendrites services up [--nodes 1|3] | down | status | logs [LINES]
  up      starts Kafka and Cassandra on 127.0.0.1 (with Docker, or Java 17 and Maven), or waits for the
          ones KAFKA_BROKERS and CASSANDRA_CONTACT_POINTS name; --nodes 3 starts a 3-broker Kafka and a
          3-node Cassandra on 127.0.0.1-3 instead and prints the settings that reach them;
  down    stops what up started (a cluster too); status says whether each server (each node) answers;
  logs    prints the last LINES (default 50) lines of their logs.`;

const ACTIONS = ['up', 'down', 'status', 'logs'];

/** `up` takes no arguments but `--nodes 1|3` (or `--nodes=N`). */
function checkUpArgs(rest: readonly string[]): void {
  const [flag, value] = rest;
  const inline = flag?.startsWith('--nodes=') === true;
  const nodes = flag === '--nodes' ? value : inline ? flag.slice('--nodes='.length) : undefined;
  const expected = flag === '--nodes' ? 2 : inline ? 1 : 0;
  if (nodes === undefined || rest.length !== expected) {
    if (rest.length > 0) throw new UsageError(`up takes no arguments but --nodes 1|3, got ${rest.map((r) => `"${r}"`).join(' ')}`);
    return;
  }
  if (nodes !== '1' && nodes !== '3') throw new UsageError(`--nodes must be 1 or 3, got "${nodes}"`);
}

/** Checks the arguments (before the launcher is even loaded), then runs the launcher. */
export async function servicesCommand(argv: readonly string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined) throw new UsageError(`say what to do: ${ACTIONS.join(', ')}`);
  if (!ACTIONS.includes(action)) throw new UsageError(`unknown action "${action}"; the actions are ${ACTIONS.join(', ')}`);
  if (action === 'logs') {
    const [lines, ...more] = rest;
    if (more.length > 0) throw new UsageError(`logs takes at most one argument (LINES), got ${rest.map((r) => `"${r}"`).join(' ')}`);
    if (lines !== undefined && (!/^\d+$/.test(lines) || Number(lines) < 1 || Number(lines) > 100_000)) {
      throw new UsageError(`logs LINES must be a whole number from 1 to 100000, got "${lines}"`);
    }
  } else if (action === 'up') {
    checkUpArgs(rest);
  } else if (rest.length > 0) {
    throw new UsageError(`${action} takes no arguments, got ${rest.map((r) => `"${r}"`).join(' ')}`);
  }
  const { main } = await import('../../services/launcher.js');
  return main([...argv]);
}
