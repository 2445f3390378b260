// `npm run migrate`: creates the database when missing and applies the
// repo's migrations. Run once before the apps start (npm start does it too;
// in Kubernetes it is the migrate Job).
import { prepareStack } from './preflight';

prepareStack({ checkNats: false, app: 'migrate' }).then(
  (result) => process.exit(typeof result === 'number' ? result : 0),
  (err) => {
    console.error(`migrate failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
