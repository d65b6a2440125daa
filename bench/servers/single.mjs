#!/usr/bin/env node
// One process serving bench/app.mjs: no balancing at all. Usage: node bench/servers/single.mjs --port 8000
import { parseArgs } from 'node:util';
import server from '../app.mjs';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8000' }, host: { type: 'string', default: '127.0.0.1' } },
});
server.listen(Number(values.port), values.host);
process.on('SIGTERM', () => process.exit(0)).on('SIGINT', () => process.exit(0));
