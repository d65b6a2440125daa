import { once } from 'node:events';
import { copyFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import t, { type Test } from 'tap';
import type { HandoffError, MasterOptions } from '../../dist/index.js';
import { runCli } from '../helpers/cli.ts';
import { expectStartFailure, fixture, startMaster } from '../helpers/cluster.ts';
import { get } from '../helpers/http.ts';
import { v1 } from '../helpers/proxy-client.ts';
import { type CertFiles, h2Get, httpsGet, httpsGetBehindProxy, makeCert, sendBadHandshakes } from '../helpers/tls.ts';
import { until } from '../helpers/until.ts';

interface TlsApp {
  pid: number;
  encrypted: boolean;
  alpn: string | false | null;
  httpVersion: string;
}

function tlsOptions(files: CertFiles): MasterOptions {
  return { tlsCert: files.cert, tlsKey: files.key };
}

const totalActive = (master: { workers(): readonly { active: number }[] }): number =>
  master.workers().reduce((sum, w) => sum + w.active, 0);

t.test('the demo app over HTTPS: the master passes TCP, a worker terminates TLS', async (t) => {
  const files = makeCert(t.testdir({}));
  const { master, port } = await startMaster(t, tlsOptions(files));
  const reply = await httpsGet(port, '/hello');
  t.equal(reply.status, 200);
  t.match(reply.body, /^handoff demo: worker [12] \(pid \d+\) served GET \/hello\n$/);
  t.ok(master.workers().some((w) => w.pid === Number(reply.headers['x-handoff-pid'])), 'served by a worker');
  t.equal(reply.peer.subject.CN, 'localhost');
  await until('connections to be reported closed', () => totalActive(master) === 0);
});

t.test('an http app sees an encrypted socket; ALPN offers http/1.1', async (t) => {
  const files = makeCert(t.testdir({}));
  const { master, port } = await startMaster(t, { ...tlsOptions(files), app: fixture('tls-app.mjs') });
  const pids = new Set<number>();
  for (let i = 0; i < 4; i++) {
    const reply = await httpsGet(port, '/', { ALPNProtocols: ['h2', 'http/1.1'] });
    const body = JSON.parse(reply.body) as TlsApp;
    t.equal(body.encrypted, true, 'req.socket.encrypted');
    t.equal(body.alpn, 'http/1.1', 'the app sees what was negotiated');
    t.equal(reply.alpn, 'http/1.1', 'an h2-capable client gets http/1.1 from an http.Server');
    pids.add(body.pid);
  }
  t.same([...pids].sort(), master.workers().map((w) => w.pid).sort(), 'both workers served');
});

t.test('an http2 app serves h2 over TLS by ALPN, and HTTP/1.1 through its allowHTTP1 fallback', async (t) => {
  const files = makeCert(t.testdir({}));
  const { port } = await startMaster(t, { ...tlsOptions(files), app: fixture('h2-app.mjs') });
  const h2 = await h2Get(port, files.ca);
  t.equal(h2.status, 200);
  t.equal(h2.alpn, 'h2');
  t.match(JSON.parse(h2.body), { encrypted: true, alpn: 'h2', httpVersion: '2.0' });
  const h1 = await httpsGet(port);
  t.match(JSON.parse(h1.body), { encrypted: true, httpVersion: '1.1' });
});

t.test('clients that cannot speak TLS to it fail cleanly; the workers survive and keep serving', async (t) => {
  const files = makeCert(t.testdir({}));
  const { master, port } = await startMaster(t, { ...tlsOptions(files), app: fixture('tls-app.mjs') });
  const before = master.workers().map((w) => w.pid).sort();

  // Plain HTTP on the TLS port: the worker's TLS layer refuses it and closes the connection.
  await t.rejects(get(port), 'plain HTTP fails');
  // Bytes that are no TLS at all, and a connection that hangs up mid-handshake.
  await sendBadHandshakes(port);
  // A client that does not trust the self-signed certificate aborts the handshake with an alert.
  const strict = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost' });
  const [err] = (await once(strict, 'error').catch((e: unknown) => [e])) as [NodeJS.ErrnoException];
  t.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');

  const reply = await httpsGet(port);
  t.equal(JSON.parse(reply.body).encrypted, true, 'the next HTTPS request works');
  t.same(master.workers().map((w) => w.pid).sort(), before, 'no worker died');
  await until('failed handshakes to be counted closed', () => totalActive(master) === 0);
});

t.test('behind a PROXY-protocol proxy passing TLS through: the app sees the client, no TLS byte is lost', async (t) => {
  const files = makeCert(t.testdir({}));
  const { port } = await startMaster(t, { ...tlsOptions(files), app: fixture('tls-app.mjs'), proxyProtocol: true });
  const reply = await httpsGetBehindProxy(port, v1('203.0.113.7', 4242), files.ca);
  t.match(reply, { encrypted: true, remoteAddress: '203.0.113.7' });
});

/** Two certificates, a.test and b.test, and the files the master is configured with ("live"), holding a.test. */
function liveCertificates(t: Test): { a: CertFiles; b: CertFiles; live: { cert: string; key: string } } {
  const dir = t.testdir({});
  const a = makeCert(dir, 'a.test');
  const b = makeCert(dir, 'b.test');
  const live = { cert: `${dir}/live.cert.pem`, key: `${dir}/live.key.pem` };
  copyFileSync(a.cert, live.cert);
  copyFileSync(a.key, live.key);
  return { a, b, live };
}

t.test('certificate reload: the files are read by each new worker; reload() serves the renewed one', async (t) => {
  const { a, b, live } = liveCertificates(t);
  const { master, port } = await startMaster(t, { tlsCert: live.cert, tlsKey: live.key, app: fixture('tls-app.mjs') });
  t.equal((await httpsGet(port)).peer.subject.CN, 'a.test');

  copyFileSync(b.cert, live.cert);
  copyFileSync(b.key, live.key);
  t.equal((await httpsGet(port)).peer.subject.CN, 'a.test', 'running workers keep the certificate they started with');
  t.same(await master.reload(), { ok: true, replaced: 2 });
  for (let i = 0; i < 4; i++) t.equal((await httpsGet(port)).peer.subject.CN, 'b.test', 'new connections get cert B');
});

t.test('a renewal that does not load stops the reload; the old workers keep serving their certificate', async (t) => {
  const { a, b, live } = liveCertificates(t);
  const { master, port } = await startMaster(t, { tlsCert: live.cert, tlsKey: live.key, stderr: 'ignore' });
  copyFileSync(b.cert, live.cert); // the new certificate, with the old key still in place
  const err = (await master.reload().catch((e: unknown) => e)) as HandoffError;
  t.equal(err.code, 'ERR_HANDOFF_RELOAD');
  t.match(err.message, /tls: certificate .*live\.cert\.pem does not match key .*live\.key\.pem/);
  t.equal(master.state, 'running');
  t.equal((await httpsGet(port)).peer.subject.CN, 'a.test');
});

t.test('drain under TLS: close() ends a kept-alive HTTPS connection cleanly, and an in-flight one after its response', async (t) => {
  const files = makeCert(t.testdir({}));
  const { master, port } = await startMaster(t, { ...tlsOptions(files), app: fixture('tls-app.mjs'), workers: 1 });
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  t.teardown(() => agent.destroy());
  // Two kept-alive connections: one goes idle, the other has a request in flight when the drain starts.
  await Promise.all([httpsGet(port, '/', { agent }), httpsGet(port, '/', { agent })]);
  const inFlight = httpsGet(port, '/slow', { agent });
  // The agent hands a free socket to a request at once: the one left is the idle one.
  const free = Object.values(agent.freeSockets)[0]!;
  t.equal(free.length, 1);
  const idle = free[0]!;
  const events: string[] = [];
  idle.on('end', () => events.push('end')).on('error', (e) => events.push(`error ${e.message}`));
  const idleClosed = once(idle, 'close');
  await once(master, 'message');
  const closing = master.close();
  const slow = await inFlight;
  t.equal(slow.status, 200);
  t.equal(slow.headers.connection, 'close', 'the in-flight response tells the client to reconnect');
  await idleClosed;
  t.same(events, ['end'], 'the idle connection saw an orderly end, no error');
  t.same(await closing, { forced: 0 }, 'every connection closed before the kill timeout');
});

t.test('a certificate that does not match its key: listen() fails with ERR_HANDOFF_TLS and leaves no process', async (t) => {
  const dir = t.testdir({ 'garbage.pem': 'not a certificate\n' });
  const a = makeCert(dir, 'a.test');
  const b = makeCert(dir, 'b.test');
  const cases = [
    { cert: a.cert, key: b.key, message: /^tls: certificate .*a\.test\.cert\.pem does not match key .*b\.test\.key\.pem$/ },
    { cert: `${dir}/garbage.pem`, key: a.key, message: /^tls: certificate .*garbage\.pem does not load as a PEM certificate: no start line$/ },
    { cert: a.cert, key: a.cert, message: /^tls: key .*a\.test\.cert\.pem does not load as an unencrypted PEM private key/ },
  ];
  for (const c of cases) {
    await expectStartFailure(t, { workers: 2, tlsCert: c.cert, tlsKey: c.key }, { code: 'ERR_HANDOFF_TLS', message: c.message });
  }
});

t.test('an app that terminates TLS itself is refused with --tls-cert', async (t) => {
  const files = makeCert(t.testdir({}));
  await expectStartFailure(
    t,
    { workers: 1, app: fixture('own-tls-app.mjs'), ...tlsOptions(files) },
    { code: 'ERR_HANDOFF_TLS', message: /the app's server terminates TLS itself/ },
  );
});

t.test('CLI: one of the two flags is a one-line option error; the HANDOFF_TLS_* variables turn TLS on', async (t) => {
  const files = makeCert(t.testdir({}));
  const half = await runCli(t, ['--host', '127.0.0.1', '--port', '0', '--tls-cert', files.cert]).exited();
  t.equal(half.code, 2);
  t.equal(
    half.stderr,
    'handoff: invalid --tls-key: expected a private key file along with the certificate, received undefined [ERR_HANDOFF_BAD_OPTION]\n',
  );
  const missing = await runCli(t, ['--port', '0', '--tls-cert', './nope.pem', '--tls-key', files.key]).exited();
  t.equal(missing.code, 2);
  t.match(missing.stderr, /^handoff: invalid --tls-cert: expected an existing file, received ".*\/nope\.pem" \[ERR_HANDOFF_BAD_OPTION\]\n$/);

  const cli = runCli(t, ['--host', '127.0.0.1', '--port', '0', '-w', '1'], {
    HANDOFF_TLS_CERT: files.cert,
    HANDOFF_TLS_KEY: files.key,
  });
  const listening = await cli.logLine('listening');
  await cli.logLine('started');
  const reply = await httpsGet(Number(listening.port));
  t.equal(reply.status, 200);
  t.equal(reply.peer.subject.CN, 'localhost');
  cli.child.kill('SIGTERM');
  t.equal((await cli.exited()).code, 0);
});
