// The services step's command line (root package.json runs it):
//   up test    what `npm test` needs: NATS, PostgreSQL, netconfd (pretest)
//   up start   what `npm start` needs: NATS, PostgreSQL (prestart, services:up)
//   stop       stops what we started (services:stop)
//   status     reports what we started (services:status)
import { ConfigError, EXIT_CONFIG } from '@switch-telemetry/config';
import { ServicesError, formatStatus, servicesConfig, servicesDataDir, servicesStatus, servicesStop, servicesUp } from './services';

const USAGE = 'usage: node --import tsx tools/dev/src/services-main.ts up test|start | stop | status';

async function main(args: string[]): Promise<number> {
  const [command, purpose] = args;
  if (command === 'up' && (purpose === 'test' || purpose === 'start')) {
    await servicesUp(servicesConfig(purpose));
    return 0;
  }
  if (command === 'stop' && purpose === undefined) {
    await servicesStop(servicesDataDir());
    return 0;
  }
  if (command === 'status' && purpose === undefined) {
    const dataDir = servicesDataDir();
    for (const line of formatStatus(dataDir, servicesStatus(dataDir))) console.log(line);
    return 0;
  }
  console.error(USAGE);
  return 64; // EX_USAGE
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ServicesError) {
      console.error(`services: ${err.message}`);
      process.exit(err.exitCode);
    }
    if (err instanceof ConfigError) {
      console.error(`services: ${err.message}`);
      process.exit(EXIT_CONFIG);
    }
    console.error(`services failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
