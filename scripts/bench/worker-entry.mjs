// Worker threads do not inherit the parent's loader hooks on Node 20: register tsx here,
// then load the TypeScript worker named in workerData.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
