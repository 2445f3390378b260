import { runClusterDrill } from './src/cluster-drill';
runClusterDrill({
  devices: Number(process.argv[2] ?? 30),
  net: 62,
  launch: 'source',
  natsDownMs: Number(process.argv[3] ?? 10000),
  progress: (l) => console.error(new Date().toISOString(), Date.now(), l),
}).then(
  (r) => {
    console.log(JSON.stringify(r));
    process.exit(0);
  },
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
