/** `dendrites services up|down|status|logs [LINES]`: the local Kafka and Cassandra (services/launcher.ts). */
import { UsageError } from './args.js';

export const SERVICES_USAGE = `usage: dendrites services up|down|status|logs [LINES]
  up      starts Kafka and Cassandra on 127.0.0.1 (with Docker, or Java 17 and Maven), or waits for the
          ones KAFKA_BROKERS and CASSANDRA_CONTACT_POINTS name; down stops what up started;
  status  says whether each answers; logs prints the last LINES (default 50) lines of their logs.`;

const ACTIONS = ['up', 'down', 'status', 'logs'];

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
  } else if (rest.length > 0) {
    throw new UsageError(`${action} takes no arguments, got ${rest.map((r) => `"${r}"`).join(' ')}`);
  }
  const { main } = await import('../../services/launcher.js');
  return main([...argv]);
}
