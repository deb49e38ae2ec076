// CLI: npm run services -- up|down|status|logs
import { fileURLToPath } from 'node:url';
import { dockerStatus, servicesDown, servicesLogs, servicesStatus, servicesUp } from './services.js';
import { errorMessage } from './proc.js';
import { secs } from './jvm.js';

const USAGE = 'usage: npm run services -- up|down|status|logs';

export async function main(argv: string[]): Promise<number> {
  const started = Date.now();
  switch (argv[0]) {
    case 'up': {
      const s = await servicesUp();
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
      for (const s of all) {
        const pid = s.pid !== undefined ? `pid ${s.pid}` : s.mode === 'external' ? 'external' : 'no JVM of ours';
        const state = s.healthy ? `healthy (${s.detail})` : `NOT healthy (${s.detail})`;
        console.log(`${s.name.padEnd(9)} ${s.endpoints.join(',').padEnd(16)} ${pid.padEnd(16)} port ${s.portOpen ? 'open' : 'closed'}  ${state}`);
      }
      const docker = dockerStatus();
      if (docker !== undefined) console.log(docker);
      return 0;
    }
    case 'logs':
      console.log(servicesLogs(Number(argv[1] ?? 50)));
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
