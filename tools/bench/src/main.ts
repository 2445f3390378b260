// `npm run bench -- <suite>`: runs one benchmark. Each suite measures its own
// baseline in the same run (this machine is shared and noisy) and prints, as
// its very last line, one JSON object:
// {"bench":"<suite>","value":N,"unit":"...","baseline":N,"ratio":N,...}
import { clusterBench } from './cluster';
import { consumerBench } from './consumer';
import { discoveryBench } from './discovery';
import { durableServerMain } from './durable-server';
import { gnmiBench } from './gnmi';
import { gnmiDecodeBench } from './gnmi-decode';
import { httpBench } from './http';
import { ingressBench } from './ingress';
import { jobsBench } from './jobs';
import { limitPathMain } from './limit-path';
import { netconfBench } from './netconf';
import { netboxSyncBench } from './netbox-sync';
import { netconfParseBench } from './netconf-parse';
import { notifierBench } from './notifier';
import { pipelineBench } from './pipeline';
import { scaleBench } from './scale';

const SUITES: Record<string, () => Promise<Record<string, unknown>>> = {
  cluster: clusterBench,
  consumer: consumerBench,
  discovery: discoveryBench,
  gnmi: gnmiBench,
  'gnmi-decode': gnmiDecodeBench,
  http: httpBench,
  ingress: ingressBench,
  jobs: jobsBench,
  'netbox-sync': netboxSyncBench,
  netconf: netconfBench,
  'netconf-parse': netconfParseBench,
  notifier: notifierBench,
  pipeline: pipelineBench,
  scale: scaleBench,
};

async function main(): Promise<number> {
  const suite = process.argv[2];
  // Not a suite: the pipeline suite's baseline, run by it in a process of its own.
  if (suite === 'pipeline-limit') {
    console.log(JSON.stringify(await limitPathMain(process.argv.slice(3))));
    return 0;
  }
  // Not a suite: the ingress suite's durable baseline server, in a process of its own.
  if (suite === 'ingress-durable') {
    await durableServerMain(process.argv.slice(3));
    return 0;
  }
  if (!suite || !SUITES[suite]) {
    console.error(`usage: npm run bench -- <suite>   (suites: ${Object.keys(SUITES).join(', ')})`);
    return 64;
  }
  const result = await SUITES[suite]!();
  console.log(JSON.stringify({ bench: suite, ...result }));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
