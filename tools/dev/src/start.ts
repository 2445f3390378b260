// `npm start`: the whole stack on this machine. Its prestart step
// (services-main.ts up start) has brought up NATS and PostgreSQL when their
// URLs are on this machine; this checks that both answer (one line saying
// what to do about one that does not), creates and migrates the database,
// then runs the four apps with their output prefixed.
import { prepareStack } from './preflight';
import { APPS, runApps } from './supervise';

async function main(): Promise<number> {
  const prepared = await prepareStack({ checkNats: true, app: 'start' });
  if (typeof prepared === 'number') return prepared;
  return runApps(APPS);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`start failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
