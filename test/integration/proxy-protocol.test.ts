import t from 'tap';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';
import { httpRequest, sendRaw, v1, v2 } from '../helpers/proxy-client.ts';
import { until } from '../helpers/until.ts';

const app = fixture('peer-app.cjs');

/** The accounting invariant, with connections still waiting for their header. */
function balanced(s: { accepted: number; delivered: number; dropped: Record<string, number>; awaitingHeader: number; queued: number; inFlight: number }) {
  const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
  return s.accepted === s.delivered + dropped + s.awaitingHeader + s.queued + s.inFlight;
}

t.test('v1 and v2 headers: the app sees the client from the header, and the bytes after it', async (t) => {
  const { master, port } = await startMaster(t, { workers: 2, app, proxyProtocol: true });
  const cases: [string, (string | Buffer)[], string, number, string][] = [
    ['v1 TCP4, header and request in one write', [v1('203.0.113.7', 4242) + httpRequest], '203.0.113.7', 4242, 'IPv4'],
    ['v1 TCP6', [v1('2001:db8::7', 5353, 'TCP6'), httpRequest], '2001:db8::7', 5353, 'IPv6'],
    ['v1 split across packets', ['PRO', 'XY TCP4 198.51.100.9 192', '.0.2.1 1000 443\r', '\n', httpRequest], '198.51.100.9', 1000, 'IPv4'],
    ['v2 IPv4', [Buffer.concat([v2('PROXY', { address: '192.0.2.55', port: 61000 }), Buffer.from(httpRequest)])], '192.0.2.55', 61000, 'IPv4'],
    ['v2 IPv6 with a TLV, split', [v2('PROXY', { address: '2001:db8:1::2', port: 7 }, Buffer.from([0x02, 0x00, 0x03, 0x61, 0x62, 0x63])).subarray(0, 20), v2('PROXY', { address: '2001:db8:1::2', port: 7 }, Buffer.from([0x02, 0x00, 0x03, 0x61, 0x62, 0x63])).subarray(20), httpRequest], '2001:db8:1::2', 7, 'IPv6'],
  ];
  for (const [name, parts, address, remotePort, family] of cases) {
    const reply = await sendRaw(port, parts);
    t.ok(reply.json, `${name}: answered (${reply.text.slice(0, 40)})`);
    t.equal(reply.json?.remoteAddress, address, `${name}: address`);
    t.equal(reply.json?.remotePort, remotePort, `${name}: port`);
    t.equal(reply.json?.remoteFamily, family, `${name}: family`);
  }
  const s = master.stats();
  t.equal(s.delivered, cases.length);
  t.ok(balanced(s));
});

t.test('a request body read along with the header reaches the app intact', async (t) => {
  const { port } = await startMaster(t, { workers: 1, app, proxyProtocol: true });
  const body = 'x'.repeat(3000);
  const post = `POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const reply = await sendRaw(port, [v1('203.0.113.8', 1) + post]);
  t.equal(reply.json?.body, body);
  t.equal(reply.json?.remoteAddress, '203.0.113.8');
});

t.test('LOCAL (a health check from the proxy itself) and UNKNOWN: the real peer is kept', async (t) => {
  const { port } = await startMaster(t, { workers: 1, app, proxyProtocol: true });
  for (const header of [v2('LOCAL'), 'PROXY UNKNOWN\r\n']) {
    const reply = await sendRaw(port, [header, httpRequest]);
    t.equal(reply.json?.remoteAddress, '127.0.0.1');
  }
});

t.test('garbage, an oversized header and an early close are closed and counted; others are served', async (t) => {
  const { master, port } = await startMaster(t, { workers: 1, app, proxyProtocol: true });
  const bad: [string, (string | Buffer)[]][] = [
    ['plain HTTP, no header', [httpRequest]],
    ['a TLS ClientHello', [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01])]],
    ['a bad v1 address', ['PROXY TCP4 999.1.1.1 192.0.2.1 1 2\r\n', httpRequest]],
    ['v1 past 107 bytes without CRLF', [`PROXY TCP4 ${'1'.repeat(120)}`]],
  ];
  for (const [name, parts] of bad) {
    const reply = await sendRaw(port, parts);
    t.equal(reply.text, '', `${name}: closed without a byte of answer`);
  }
  await until('the drops to be counted', () => master.stats().dropped['proxy-invalid'] === bad.length);
  t.equal((await sendRaw(port, [v1('203.0.113.1', 9) + httpRequest])).json?.remoteAddress, '203.0.113.1');
  const early = await sendRaw(port, ['PROXY TCP4 1.2.3.4'], 5000, true);
  t.equal(early.text, '', 'a client that leaves mid-header gets nothing');
  await until('the early close to be counted', () => master.stats().dropped['client-closed'] === 1);
  t.ok(balanced(master.stats()));
});

t.test('a slow header (slow loris) is closed at the timeout and stalls no one else', async (t) => {
  const { master, port } = await startMaster(t, { workers: 1, app, proxyProtocol: true, proxyTimeout: 300 });
  const started = performance.now();
  const slow = sendRaw(port, ['PROXY TCP4 '], 5000);
  await until('the header to be awaited', () => master.stats().awaitingHeader === 1);
  // Served while the slow one waits.
  for (let i = 0; i < 5; i++) t.equal((await sendRaw(port, [v1('203.0.113.2', i + 1) + httpRequest])).json?.remotePort, i + 1);
  t.equal((await slow).text, '', 'closed, no answer');
  t.ok(performance.now() - started >= 290, 'not before the timeout');
  t.equal(master.stats().dropped['proxy-timeout'], 1);
  t.equal(master.stats().awaitingHeader, 0);
  t.ok(balanced(master.stats()));
});

t.test('ip-hash sticks by the address in the PROXY header, not the proxy\'s', async (t) => {
  const { master, port } = await startMaster(t, { workers: 3, app, proxyProtocol: true, strategy: 'ip-hash' });
  const clients = Array.from({ length: 15 }, (_, i) => `198.51.100.${i + 10}`);
  const home = new Map<string, number>();
  for (let round = 0; round < 3; round++) {
    for (const client of clients) {
      const pid = (await sendRaw(port, [v1(client, 1000 + round) + httpRequest])).json!.pid;
      if (round === 0) home.set(client, pid);
      else t.equal(pid, home.get(client), `${client} stays on its worker`);
    }
  }
  t.equal(new Set(home.values()).size, 3, 'the clients spread over all 3 workers');
  t.equal(master.stats().delivered, 45);
});

t.test('without --proxy-protocol a header is just bytes for the app', async (t) => {
  const { port } = await startMaster(t, { workers: 1, app: fixture('pid-app.cjs') });
  const reply = await sendRaw(port, [v1('203.0.113.7', 1) + httpRequest]);
  t.match(reply.text, /^HTTP\/1.1 400/, "Node's HTTP parser refuses it");
  t.ok((await getJson(port)).pid > 0);
});

t.test('headers being read are bounded by --max-queue, and closed when the master closes', async (t) => {
  const { master, port } = await startMaster(t, { workers: 1, app, proxyProtocol: true, maxQueue: 1 });
  const first = sendRaw(port, ['PROXY '], 5000);
  await until('the first header to be awaited', () => master.stats().awaitingHeader === 1);
  t.equal((await sendRaw(port, ['PROXY '])).text, '', 'the second is closed at once');
  t.equal(master.stats().dropped['queue-full'], 1);
  await master.close();
  t.equal((await first).text, '', 'the waiting one is closed by close()');
  t.equal(master.stats().dropped.closing, 1);
  t.equal(master.stats().awaitingHeader, 0);
});
