// The app every contender serves, so only the balancing differs.
//   GET /           a few bytes, at once
//   GET /cpu?ms=N   burns N ms of CPU first (the skewed workload's slow requests)
// Every answer names the process that served it (x-served-by), which the clients count per worker. With
// BENCH_HOG_INDEX set, the worker whose index matches runs a background CPU hog (the slow-worker workload).
import { createServer } from 'node:http';

const servedBy = String(process.pid);

export function handler(req, res) {
  const q = req.url.indexOf('?ms=');
  if (q !== -1) burn(Number(req.url.slice(q + 4)));
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3, 'x-served-by': servedBy });
  res.end('ok\n');
}

function burn(ms) {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Runs `duty` of each 10 ms slice in a tight loop, forever: a worker that competes for its CPU. */
export function startHog(duty = 0.5) {
  setInterval(() => burn(10 * duty), 10).unref();
}

const hogIndex = process.env.BENCH_HOG_INDEX;
const myIndex = process.env.HANDOFF_WORKER_INDEX ?? process.env.BENCH_WORKER_INDEX;
if (hogIndex !== undefined && hogIndex === myIndex) startHog();

export default createServer(handler);
