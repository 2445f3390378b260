// `npm start`: the whole stack on this machine. Checks NATS and PostgreSQL
// (one line saying how to start whichever does not answer), creates and
// migrates the database, then runs the four apps with their output prefixed.
import { prepareStack } from './preflight';
import { runApps } from './supervise';

export const APPS = ['ingress', 'collector', 'discovery', 'notifier'] as const;

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
