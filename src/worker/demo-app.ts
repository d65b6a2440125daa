import { type Server, createServer } from 'node:http';

/** What the CLI serves without --app: each answer names the worker that served it. */
export function demoApp(): Server {
  const index = process.env.HANDOFF_WORKER_INDEX ?? '?';
  return createServer((req, res) => {
    const body = `handoff demo: worker ${index} (pid ${process.pid}) served ${req.method} ${req.url}\n`;
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-handoff-worker': index,
      'x-handoff-pid': String(process.pid),
    });
    res.end(body);
  });
}
