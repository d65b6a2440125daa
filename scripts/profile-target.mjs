// What clinic profiles: the master, embedded through the library so its workers start with clean Node flags.
// Under the CLI they would inherit the master's execArgv (as node:cluster workers do), and with it clinic's preload,
// which opens fd 3 for itself and crashes every worker.
import { createMaster, createLogger } from '../dist/index.js';

const env = { ...process.env };
delete env.NODE_OPTIONS;
const master = createMaster({
  workers: Number(process.env.PROFILE_WORKERS ?? 2),
  strategy: process.env.PROFILE_STRATEGY ?? 'least-connections',
  host: '127.0.0.1',
  port: 0,
  execArgv: [],
  env,
  logger: createLogger('warn'),
});
await master.listen();
const stop = () => master.close().then(() => process.exit(0));
process.on('SIGINT', stop).on('SIGTERM', stop);
