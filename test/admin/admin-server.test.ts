import { once } from 'node:events';
import { Agent } from 'node:http';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import t, { type Test } from 'tap';
import { AdminServer } from '../../src/admin/admin-server.ts';
import { bodyLimit, drainLimit } from '../../src/admin/read-body.ts';
import { HandoffError } from '../../src/errors.ts';
import type { Logger } from '../../src/logger.ts';
import { call, raw, serve } from '../helpers/admin-client.ts';
import { FakeTarget } from '../helpers/fake-target.ts';
import { RecordingLogger } from '../helpers/recording-logger.ts';

/** A connected raw socket, destroyed at teardown. */
async function socketTo(t: Test, port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

t.test('options are checked: the port and host name what is wrong', async (t) => {
  const target = new FakeTarget();
  for (const port of [-1, 65536, 1.5, Number.NaN, '8080' as unknown as number]) {
    const err = t.throws(() => new AdminServer(target, { port })) as HandoffError;
    t.equal(err.code, 'ERR_HANDOFF_BAD_OPTION', `port ${String(port)}`);
    t.match(err.message, /admin port.*0 to 65535/);
  }
  for (const host of ['', 42 as unknown as string]) {
    const err = t.throws(() => new AdminServer(target, { port: 0, host })) as HandoffError;
    t.equal(err.code, 'ERR_HANDOFF_BAD_OPTION');
    t.match(err.message, /admin host/);
  }
});

t.test('listen binds 127.0.0.1 by default; address() follows the lifecycle', async (t) => {
  const server = new AdminServer(new FakeTarget(), { port: 0 });
  t.teardown(() => server.close());
  t.equal(server.address(), null, 'null before listen');
  const address = await server.listen();
  t.equal(address.address, '127.0.0.1');
  t.ok(address.port > 0);
  t.same(server.address(), address);
  t.equal((await call(address.port, 'GET', '/healthz')).status, 200);
  await server.close();
  t.equal(server.address(), null, 'null after close');
  await t.rejects(call(address.port, 'GET', '/healthz'), { code: 'ECONNREFUSED' }, 'the port is released');
});

t.test('listen twice, or after close, is ERR_HANDOFF_STATE', async (t) => {
  const { server } = await serve(t);
  await t.rejects(server.listen(), { code: 'ERR_HANDOFF_STATE', message: /already called/ });
  await server.close();
  await t.rejects(server.listen(), { code: 'ERR_HANDOFF_STATE', message: /closed/ });
  const never = new AdminServer(new FakeTarget(), { port: 0 });
  await never.close();
  await t.rejects(never.listen(), { code: 'ERR_HANDOFF_STATE', message: /closed/ });
});

t.test('a taken port is ERR_HANDOFF_LISTEN naming host:port and the errno code', async (t) => {
  const taken = createServer();
  taken.listen(0, '127.0.0.1');
  await once(taken, 'listening');
  t.teardown(() => taken.close());
  const { port } = taken.address() as AddressInfo;
  const server = new AdminServer(new FakeTarget(), { port });
  const err = (await server.listen().catch((e: unknown) => e)) as HandoffError;
  t.ok(err instanceof HandoffError);
  t.equal(err.code, 'ERR_HANDOFF_LISTEN');
  t.equal(err.message, `the admin endpoint cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
  t.equal((err.cause as NodeJS.ErrnoException).code, 'EADDRINUSE');
  t.equal(server.address(), null);
  await t.resolves(server.close(), 'close after a failed listen resolves');
});

t.test('an address this host does not have is ERR_HANDOFF_LISTEN too (IPv6 in brackets)', async (t) => {
  // 2001:db8::/32 is reserved for documentation: never a local address.
  const server = new AdminServer(new FakeTarget(), { port: 0, host: '2001:db8::1' });
  await t.rejects(server.listen(), { code: 'ERR_HANDOFF_LISTEN', message: /^the admin endpoint cannot listen on \[2001:db8::1\]:0: E[A-Z]+$/ });
});

t.test('close() during listen() leaves no port open', async (t) => {
  const server = new AdminServer(new FakeTarget(), { port: 0 });
  const listening = server.listen();
  const closed = server.close();
  const { port } = await listening;
  await closed;
  t.equal(server.address(), null);
  await t.rejects(call(port, 'GET', '/healthz'), { code: 'ECONNREFUSED' });
  t.equal(server.close(), closed, 'close() again answers the same promise');
});

t.test('close() resolves with idle keep-alive, silent and half-sent clients connected', async (t) => {
  const { server, port } = await serve(t);
  const agent = new Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  t.equal((await call(port, 'GET', '/healthz', { agent })).status, 200);
  const [idle] = Object.values(agent.freeSockets).flat();
  t.ok(idle, 'the keep-alive socket is idle in the agent');
  const silent = await socketTo(t, port);
  const halfSent = await socketTo(t, port);
  halfSent.write('GET /stats HTTP/1.1\r\nHost: x\r\n');
  // On 'close', whatever came before it (a reset is fine: the server is going away).
  const closed = (socket: Socket) => new Promise((resolve) => socket.once('close', resolve));
  const closedIdle = closed(idle!);
  const closedSilent = closed(silent);
  const closedHalf = closed(halfSent);
  await server.close();
  await Promise.all([closedIdle, closedSilent, closedHalf]);
  t.pass('every client connection was closed');
});

t.test('close() does not wait for a change still in progress', async (t) => {
  const { server, port, target } = await serve(t);
  target.scaleGate = new Promise(() => undefined);
  const started = once(target.events, 'call');
  const pending = call(port, 'POST', '/scale', { body: { workers: 5 } });
  await started;
  await server.close();
  await t.rejects(pending, { code: 'ECONNRESET' }, 'the waiting client is cut off');
});

t.test('a client that leaves during a slow change: the change completes and is logged, nothing breaks', async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  let open!: () => void;
  target.scaleGate = new Promise((resolve) => (open = resolve));
  const started = once(target.events, 'call');
  const socket = await socketTo(t, port);
  const body = '{"workers":3}';
  socket.write(`POST /scale HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await started;
  const gone = new Promise((resolve) => socket.once('close', resolve));
  socket.destroy();
  await gone;
  const logged = logger.next('info');
  open();
  t.match(await logged, { fields: { route: 'POST /scale', workers: 3 } });
  t.equal(target.workers().length, 3);
  t.equal(logger.at('error').length, 0);
  t.equal((await call(port, 'GET', '/healthz')).status, 200);
});

t.test('a body over 64 KiB is a 413, on any route; the connection stays usable', async (t) => {
  const { port, target } = await serve(t);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const big = JSON.stringify({ strategy: 'p2c', pad: 'x'.repeat(bodyLimit) });
  for (const [method, path] of [['POST', '/strategy'], ['GET', '/stats']] as const) {
    const answer = await call(port, method, path, { body: big, agent });
    t.equal(answer.status, 413, `${method} ${path}`);
    t.equal(answer.headers.connection, 'keep-alive', 'the rest of the body was read and dropped');
    t.same(answer.body, { error: { code: 'ERR_HANDOFF_ADMIN', message: `the request body is larger than ${bodyLimit} bytes` } });
    t.equal((await call(port, 'GET', '/healthz', { agent })).status, 200);
  }

  // Chunked: no Content-Length to refuse up front, so the limit is counted as the body arrives.
  const chunk = 'x'.repeat(16 * 1024);
  const chunks = Array.from({ length: 5 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
  const text = await raw(port, `POST /strategy HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`);
  t.match(text, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
  t.match(text, /"code":"ERR_HANDOFF_ADMIN"/);
  t.same(target.calls, [], 'nothing reached the master');

  const fits = JSON.stringify({ strategy: 'p2c', pad: 'x'.repeat(bodyLimit - 32) });
  t.ok(Buffer.byteLength(fits) <= bodyLimit);
  t.equal((await call(port, 'POST', '/strategy', { body: fits })).status, 200, 'a body at the limit is read');
});

t.test('a body too large to be worth reading: refused unread, or cut off', async (t) => {
  const { port } = await serve(t);
  // Declared: answered before a byte of it is read, and the connection closed.
  const declared = await raw(port, `POST /scale HTTP/1.1\r\nHost: x\r\nContent-Length: ${drainLimit + 1}\r\n\r\n`);
  t.match(declared, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
  t.match(declared, /\r\nconnection: close\r\n/i);
  // Chunked past the drain limit: the server stops reading and closes (raw() rejects if it never does).
  const chunk = 'x'.repeat(256 * 1024);
  const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
  await raw(port, `POST /scale HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}`);
  t.equal((await call(port, 'GET', '/healthz')).status, 200, 'the server keeps serving');
});

t.test('unparseable requests are answered 400 (431 for huge headers) and closed; the server keeps serving', async (t) => {
  const logger = new RecordingLogger();
  const { port } = await serve(t, { logger });
  const garbage = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
  t.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const body = JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4));
  t.equal(body.error.code, 'ERR_HANDOFF_ADMIN');
  t.match(body.error.message, /unreadable request \(HPE_/);

  const huge = await raw(port, `GET /stats HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(16 * 1024)}\r\n\r\n`);
  t.match(huge, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  t.match(huge, /HPE_HEADER_OVERFLOW/);

  t.ok(logger.at('debug').length >= 2, 'logged at debug only');
  t.equal(logger.at('error').length, 0);
  t.equal((await call(port, 'GET', '/healthz')).status, 200);
});

t.test('garbage behind a request still being answered closes the connection without a second answer', async (t) => {
  const { port, target } = await serve(t);
  let open!: () => void;
  target.scaleGate = new Promise((resolve) => (open = resolve));
  const started = once(target.events, 'call');
  const body = '{"workers":3}';
  const text = raw(port, `POST /scale HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}NOT HTTP\r\n\r\n`);
  await started;
  t.equal(await text, '', 'the connection closed with nothing written into the pending answer');
  open();
  t.equal((await call(port, 'GET', '/healthz')).status, 200);
});

t.test("an aborted upload is the client's doing: no error logged, the server keeps serving", async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  const socket = await socketTo(t, port);
  // Node answers 100 Continue as it hands the request over, so once it arrives the server is reading the body.
  socket.write('POST /strategy HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n');
  const [continued] = await once(socket, 'data');
  t.match(String(continued), /^HTTP\/1\.1 100 Continue/);
  const logged = logger.next('info');
  socket.end('{"strat');
  socket.destroy();
  const entry = await logged;
  t.match(entry, { level: 'info', fields: { route: 'POST /strategy', status: 400, message: /aborted/ } });
  t.equal(logger.at('error').length, 0);
  t.same(target.calls, []);
  t.equal((await call(port, 'GET', '/healthz')).status, 200);
});

t.test('a logger that throws loses its lines, never a request or the master', async (t) => {
  const fail = () => {
    throw new Error('logger broke');
  };
  const logger: Logger = { level: 'debug', error: fail, warn: fail, info: fail, debug: fail };
  const { port, target } = await serve(t, { logger });
  t.equal((await call(port, 'POST', '/strategy', { body: { strategy: 'p2c' } })).status, 200, 'a change (logged at info)');
  t.equal(target.strategy, 'p2c');
  t.equal((await call(port, 'POST', '/nope')).status, 404, 'a refused change (info)');
  target.failure = new TypeError('bug');
  t.equal((await call(port, 'POST', '/scale', { body: { workers: 3 } })).status, 500, 'a failure (error)');
  t.match(await raw(port, 'NOT HTTP\r\n\r\n'), /^HTTP\/1\.1 400 /, 'a bad request (debug)');
  t.equal((await call(port, 'GET', '/healthz')).status, 200);
});
