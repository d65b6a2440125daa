import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createSecureServer, createServer as createHttp2Server } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { type TLSSocket, connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import t, { type Test } from 'tap';
import { TlsTerminator, loadSecureContext } from '../../src/worker/tls-terminator.ts';
import { get } from '../helpers/http.ts';
import { type CertFiles, h2Get, httpsGet, makeCert, sendBadHandshakes } from '../helpers/tls.ts';
import { until } from '../helpers/until.ts';

const dir = t.testdir({ 'garbage.pem': 'not PEM at all\n' });
const a = makeCert(dir, 'a.test');
const b = makeCert(dir, 'b.test');

/**
 * A stand-in for the worker: a TCP server whose accepted sockets go through the terminator into `app`, the way the
 * injector hands them over. allowHalfOpen as http.Server's, the case where a mid-handshake hang-up needs handling.
 */
async function front(t: Test, app: Server, options: { handshakeTimeout?: number; files?: CertFiles } = {}) {
  const context = loadSecureContext(options.files ?? a);
  const terminator = new TlsTerminator(app, context, options.handshakeTimeout);
  const sockets: TLSSocket[] = [];
  const tcp = createServer({ allowHalfOpen: true }, (socket: Socket) => sockets.push(terminator.terminate(socket)));
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    tcp.close();
  });
  return { terminator, sockets, port: (tcp.address() as AddressInfo).port };
}

t.test('loadSecureContext loads a matching pair; anything else is one ERR_HANDOFF_TLS line naming the file', async (t) => {
  t.ok(loadSecureContext(a).context, 'a secure context');
  const encrypted = join(dir, 'encrypted.key.pem');
  execFileSync('/usr/bin/openssl', ['genrsa', '-aes128', '-passout', 'pass:secret', '-out', encrypted, '2048'], {
    stdio: 'ignore',
  });
  const garbage = join(dir, 'garbage.pem');
  const cases: [string, { cert: string; key: string }, RegExp][] = [
    ['a missing certificate', { cert: join(dir, 'nope.pem'), key: a.key }, /^tls: cannot read certificate .*nope\.pem: ENOENT/],
    ['a missing key', { cert: a.cert, key: join(dir, 'nope.pem') }, /^tls: cannot read key .*nope\.pem: ENOENT/],
    ['a certificate that is not PEM', { cert: garbage, key: a.key }, /^tls: certificate .*garbage\.pem does not load as a PEM certificate: no start line$/],
    ['a key file given as the certificate', { cert: a.key, key: a.key }, /^tls: certificate .*a\.test\.key\.pem does not load/],
    ['a certificate given as the key', { cert: a.cert, key: a.cert }, /^tls: key .*a\.test\.cert\.pem does not load as an unencrypted PEM private key: /],
    ['an encrypted key', { cert: a.cert, key: encrypted }, /^tls: key .*encrypted\.key\.pem does not load as an unencrypted PEM private key/],
    ['a key of another certificate', { cert: a.cert, key: b.key }, /^tls: certificate .*a\.test\.cert\.pem does not match key .*b\.test\.key\.pem$/],
  ];
  for (const [what, files, message] of cases) {
    const err = t.throws(() => loadSecureContext(files), { code: 'ERR_HANDOFF_TLS', message }, what) as Error;
    t.notMatch(err.message, /\n/, `${what}: one line`);
  }
});

t.test('a server that terminates TLS itself is refused', async (t) => {
  const context = loadSecureContext(a);
  for (const [what, server] of [
    ['https.createServer', createHttpsServer({})],
    ['http2.createSecureServer', createSecureServer({})],
    ['tls.createServer', createTlsServer({})],
  ] as const) {
    t.throws(() => new TlsTerminator(server, context), { code: 'ERR_HANDOFF_TLS', message: /terminates TLS itself/ }, what);
  }
});

t.test('an http.Server gets the connection after the handshake: HTTPS, ALPN http/1.1', async (t) => {
  const app = createHttpServer((req, res) =>
    res.end(JSON.stringify({ encrypted: (req.socket as TLSSocket).encrypted, alpn: (req.socket as TLSSocket).alpnProtocol })),
  );
  let connections = 0;
  app.on('connection', (socket: TLSSocket) => {
    connections++;
    t.equal(socket.alpnProtocol, 'http/1.1', "handed over once the handshake is done: ALPN is known");
    t.equal((socket as TLSSocket & { server?: Server }).server, app, "http2's HTTP/1 fallback reads it");
  });
  const { port, terminator } = await front(t, app);
  const reply = await httpsGet(port, '/', { ALPNProtocols: ['h2', 'http/1.1'] });
  t.same(JSON.parse(reply.body), { encrypted: true, alpn: 'http/1.1' });
  t.equal(reply.peer.subject.CN, 'a.test');
  t.equal(connections, 1);
  t.equal(terminator.handshakeFailures, 0);
});

t.test('an http2 server negotiates h2', async (t) => {
  const app = createHttp2Server((req, res) => res.end(`${req.httpVersion} ${(req.socket as TLSSocket).alpnProtocol}`));
  const { port } = await front(t, app);
  t.same(await h2Get(port, a.ca), { status: 200, body: '2.0 h2', alpn: 'h2' });
});

t.test('an http2 server without allowHTTP1 answers an HTTP/1.1 client as http2 does: 403', async (t) => {
  const app = createHttp2Server(() => t.fail('no request'));
  const { port } = await front(t, app);
  const reply = await httpsGet(port);
  t.equal(reply.status, 403);
  t.match(reply.body, /Missing ALPN Protocol, expected `h2`/);
});

t.test('a plain net.Server gets the cleartext stream, no ALPN, and its errors from then on', async (t) => {
  const app = createServer((socket) => {
    t.same(socket.listeners('error'), [], "neither Node's pre-handshake error swallower nor ours is left");
    socket.on('data', (d) => socket.end(String(d).toUpperCase()));
  });
  const { port } = await front(t, app);
  const client = tlsConnect({ host: '127.0.0.1', port, ca: a.ca, ALPNProtocols: ['h2'] });
  await once(client, 'secureConnect');
  t.equal(client.alpnProtocol, false, 'no ALPN offered for a server that is not http');
  client.end('ping');
  let answer = '';
  client.setEncoding('utf8').on('data', (d: string) => (answer += d));
  await once(client, 'close');
  t.equal(answer, 'PING');
});

t.test('failed handshakes are caught, close the connection and are counted', async (t) => {
  const app = createHttpServer(() => t.fail('no request'));
  app.on('connection', () => t.fail('no connection reaches the app'));
  const { port, terminator, sockets } = await front(t, app);

  await t.rejects(get(port), 'plain HTTP');
  await sendBadHandshakes(port);
  const untrusting = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost' });
  await t.rejects(once(untrusting, 'secureConnect'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'the client alert');

  await until('every server side to close', () => sockets.every((s) => s.destroyed) && terminator.handshakeFailures === 4);
  t.equal(terminator.handshakeFailures, 4);
});

t.test('a client that never finishes its handshake is dropped at the handshake timeout', async (t) => {
  const app = createHttpServer();
  const { port, terminator } = await front(t, app, { handshakeTimeout: 50 });
  const silent = connect(port, '127.0.0.1');
  silent.resume();
  const started = performance.now();
  await once(silent, 'close');
  t.ok(performance.now() - started >= 40, 'closed by the timeout');
  await until('the failure to be counted', () => terminator.handshakeFailures === 1);
  t.equal(terminator.handshakeFailures, 1);
});

t.test('a socket destroyed just as its handshake completes never reaches the app, and counts as failed', async (t) => {
  const app = createHttpServer();
  app.on('connection', () => t.fail('no connection reaches the app'));
  const context = loadSecureContext(a);
  const terminator = new TlsTerminator(app, context);
  const tcp = createServer((socket) => {
    const tlsSocket = terminator.terminate(socket);
    tlsSocket.prependOnceListener('secure', () => tlsSocket.destroy());
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  t.teardown(() => tcp.close());
  const client = tlsConnect({ host: '127.0.0.1', port: (tcp.address() as AddressInfo).port, ca: a.ca, servername: 'localhost' });
  client.on('error', () => undefined);
  client.resume();
  await once(client, 'close');
  await until('the failure to be counted', () => terminator.handshakeFailures === 1);
  t.equal(terminator.handshakeFailures, 1);
});

