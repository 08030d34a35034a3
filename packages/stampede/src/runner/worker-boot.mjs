// Worker threads do not inherit loader hooks, and `--import tsx` in a Worker's execArgv is ignored on Node 20:
// register tsx here, then load the TypeScript entry named in workerData. A built entry (.mjs, dist/) needs no loader.
import { workerData } from 'node:worker_threads';

if (workerData.entryUrl.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entryUrl);
