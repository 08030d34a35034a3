// Worker threads do not inherit loader hooks, and `--import tsx` in a Worker's execArgv is ignored on Node 20:
// register tsx here, then load the TypeScript entry named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entryUrl);
