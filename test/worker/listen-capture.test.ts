import { once } from 'node:events';
import { type AddressInfo, Server, createServer } from 'node:net';
import t from 'tap';
import { ListenCapture, isTcpListen } from '../../src/worker/listen-capture.ts';

const forms: [string, unknown[], boolean][] = [
  ['listen()', [], true],
  ['listen(cb)', [() => undefined], true],
  ['listen(3000)', [3000], true],
  ['listen("3000")', ['3000'], true],
  ['listen(null)', [null], true],
  ['listen({ port, host })', [{ port: 3000, host: '0.0.0.0' }], true],
  ['listen({})', [{}], true],
  ['listen("/tmp/app.sock")', ['/tmp/app.sock'], false],
  ['listen({ path })', [{ path: '/tmp/app.sock' }], false],
  ['listen({ fd })', [{ fd: 3 }], false],
  ['listen(handle)', [{ _handle: {} }], false],
  ['listen({ handle })', [{ handle: {} }], false],
  ['listen(true)', [true], false],
];
for (const [name, args, expected] of forms) {
  t.test(`${name} ${expected ? 'is' : 'is not'} a TCP listen`, async (t) => {
    t.equal(isTcpListen(args), expected);
  });
}

t.test('captures the first TCP listen without binding; later ones bind as usual', async (t) => {
  const original = Server.prototype.listen;
  t.teardown(() => {
    Server.prototype.listen = original;
  });
  const captured: Server[] = [];
  const capture = new ListenCapture((s) => captured.push(s));
  capture.install();
  const waiting = capture.captured();

  const app = createServer();
  let called = false;
  t.equal(
    app.listen(3000, () => (called = true)),
    app,
    'listen() returns the server',
  );
  t.same(captured, [app]);
  t.equal(await waiting, app);
  t.equal(await capture.captured(), app, 'later callers get the same server');
  t.equal(app.listening, false, 'nothing was bound');
  app.emit('listening');
  t.equal(called, true, 'the callback waits for listening');

  const other = createServer();
  other.listen(0, '127.0.0.1');
  await once(other, 'listening');
  t.ok((other.address() as AddressInfo).port > 0, 'the second server really listens');
  await new Promise((resolve) => other.close(resolve));
});
