// The fork target of the master: everything lives in ./worker/runtime.ts.
import { startWorker } from './worker/runtime.js';

await startWorker();
