import { SocketAddress } from 'node:net';
import t from 'tap';
import { maxHeaderLength, parseProxyHeader, type ProxyHeader, type ProxyParse } from '../../src/master/proxy-header.ts';
import { seededRandom } from '../../src/strategies/random.ts';

const signature = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const ascii = (text: string) => Buffer.from(text, 'latin1');
const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
const ip4 = (a: number, b: number, c: number, d: number) => Buffer.from([a, b, c, d]);
const ip6 = (...words: number[]) => Buffer.concat(words.map(u16));
const tlv = (type: number, value: Buffer) => Buffer.concat([Buffer.from([type]), u16(value.length), value]);

/** A v2 header: the 16-byte preamble, then the block; `length` overrides the block's real length in the preamble. */
function v2(verCmd: number, family: number, block: Buffer[] = [], length?: number): Buffer {
  const body = Buffer.concat(block);
  return Buffer.concat([signature, Buffer.from([verCmd, family]), u16(length ?? body.length), body]);
}

const PROXY = 0x21;
const LOCAL = 0x20;
const TCP4 = 0x11;
const TCP6 = 0x21;
const UNIX_STREAM = 0x31;
const UNSPEC = 0x00;
const ipv4Block = [ip4(192, 168, 0, 1), ip4(10, 0, 0, 2), u16(56324), u16(443)];
const ipv6Block = [ip6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), ip6(0, 0, 0, 0, 0, 0, 0, 1), u16(40000), u16(8080)];
const unixBlock = [Buffer.alloc(108, 'a'), Buffer.alloc(108, 'b')];
// PP2_TYPE_SSL: client flags (SSL), verify (0), then sub-TLVs for the TLS version and the client certificate's CN.
const sslTlv = tlv(
  0x20,
  Buffer.concat([Buffer.from([0x01]), Buffer.alloc(4), tlv(0x21, ascii('TLSv1.3')), tlv(0x22, ascii('example.com'))]),
);

const v4 = (address: string, port: number) => ({ family: 'IPv4' as const, address, port });
const v6 = (address: string, port: number) => ({ family: 'IPv6' as const, address, port });
const nulls = (version: 1 | 2): ProxyHeader => ({ version, source: null, destination: null });
const ipv4Header: ProxyHeader = { version: 2, source: v4('192.168.0.1', 56324), destination: v4('10.0.0.2', 443) };
const ipv6Header: ProxyHeader = { version: 2, source: v6('2001:db8::1', 40000), destination: v6('::1', 8080) };
const ffff = Array(8).fill('ffff').join(':');

const valid: { name: string; bytes: Buffer; header: ProxyHeader }[] = [
  {
    name: 'v1 TCP4',
    bytes: ascii('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n'),
    header: { version: 1, source: v4('192.168.0.1', 56324), destination: v4('192.168.0.11', 443) },
  },
  {
    name: 'v1 TCP4, the widest values',
    bytes: ascii('PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n'),
    header: { version: 1, source: v4('255.255.255.255', 65535), destination: v4('255.255.255.255', 65535) },
  },
  {
    name: 'v1 TCP4, zeros',
    bytes: ascii('PROXY TCP4 0.0.0.0 10.0.0.1 0 0\r\n'),
    header: { version: 1, source: v4('0.0.0.0', 0), destination: v4('10.0.0.1', 0) },
  },
  {
    name: 'v1 TCP6, compressed',
    bytes: ascii('PROXY TCP6 2001:db8::1 ::1 40000 8080\r\n'),
    header: { version: 1, source: v6('2001:db8::1', 40000), destination: v6('::1', 8080) },
  },
  {
    name: 'v1 TCP6, upper case and uncompressed, comes out the way Node writes addresses',
    bytes: ascii('PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0001 FE80:0:0:0:0:0:0:AB 1 2\r\n'),
    header: { version: 1, source: v6('2001:db8::1', 1), destination: v6('fe80::ab', 2) },
  },
  {
    name: 'v1 TCP6, IPv4-mapped',
    bytes: ascii('PROXY TCP6 ::ffff:1.2.3.4 ::FFFF:0a00:0001 1 2\r\n'),
    header: { version: 1, source: v6('::ffff:1.2.3.4', 1), destination: v6('::ffff:10.0.0.1', 2) },
  },
  {
    name: 'v1 TCP6, the longest line (104 bytes)',
    bytes: ascii(`PROXY TCP6 ${ffff} ${ffff} 65535 65535\r\n`),
    header: { version: 1, source: v6(ffff, 65535), destination: v6(ffff, 65535) },
  },
  { name: 'v1 UNKNOWN, short form', bytes: ascii('PROXY UNKNOWN\r\n'), header: nulls(1) },
  {
    name: 'v1 UNKNOWN, the longest line (107 bytes), addresses ignored',
    bytes: ascii(`PROXY UNKNOWN ${ffff} ${ffff} 65535 65535\r\n`),
    header: nulls(1),
  },
  {
    name: 'v1 UNKNOWN, anything before the CRLF ignored',
    bytes: ascii('PROXY UNKNOWN x  \u0000\u00ff\r\n'),
    header: nulls(1),
  },
  { name: 'v2 PROXY TCP over IPv4', bytes: v2(PROXY, TCP4, ipv4Block), header: ipv4Header },
  { name: 'v2 PROXY TCP over IPv6', bytes: v2(PROXY, TCP6, ipv6Block), header: ipv6Header },
  {
    name: 'v2 PROXY TCP over IPv6, IPv4-mapped',
    bytes: v2(PROXY, TCP6, [
      ip6(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304),
      ip6(0xfe80, 0, 0, 0, 0, 0, 0, 0xab),
      u16(1),
      u16(2),
    ]),
    header: { version: 2, source: v6('::ffff:1.2.3.4', 1), destination: v6('fe80::ab', 2) },
  },
  { name: 'v2 PROXY UNIX stream', bytes: v2(PROXY, UNIX_STREAM, unixBlock), header: nulls(2) },
  { name: 'v2 PROXY UNSPEC', bytes: v2(PROXY, UNSPEC), header: nulls(2) },
  {
    name: 'v2 PROXY UNSPEC with a block, unread',
    bytes: v2(PROXY, UNSPEC, [Buffer.alloc(20, 0xff)]),
    header: nulls(2),
  },
  {
    name: 'v2 PROXY AF_INET, UNSPEC transport, unread',
    bytes: v2(PROXY, 0x10, [Buffer.alloc(3, 0xff)]),
    header: nulls(2),
  },
  { name: 'v2 PROXY AF_UNSPEC, STREAM transport', bytes: v2(PROXY, 0x01), header: nulls(2) },
  { name: 'v2 LOCAL, as senders send it', bytes: v2(LOCAL, UNSPEC), header: nulls(2) },
  { name: 'v2 LOCAL with addresses: skipped', bytes: v2(LOCAL, TCP4, ipv4Block), header: nulls(2) },
  {
    name: 'v2 LOCAL: family and TLVs are not even read',
    bytes: v2(LOCAL, 0xff, [Buffer.from([0x04, 0xff, 0xff])]),
    header: nulls(2),
  },
  {
    name: 'v2 IPv4 with PP2_TYPE_AUTHORITY',
    bytes: v2(PROXY, TCP4, [...ipv4Block, tlv(0x02, ascii('example.com'))]),
    header: ipv4Header,
  },
  {
    name: 'v2 IPv4 with ALPN, PP2_TYPE_SSL (sub-TLVs), an empty NOOP and CRC32C',
    bytes: v2(PROXY, TCP4, [
      ...ipv4Block,
      tlv(0x01, ascii('h2')),
      sslTlv,
      tlv(0x04, Buffer.alloc(0)),
      tlv(0x03, Buffer.alloc(4)),
    ]),
    header: ipv4Header,
  },
  {
    name: 'v2 IPv6 with PP2_TYPE_UNIQUE_ID',
    bytes: v2(PROXY, TCP6, [...ipv6Block, tlv(0x05, Buffer.alloc(128, 7))]),
    header: ipv6Header,
  },
  { name: 'v2 UNIX with a TLV', bytes: v2(PROXY, UNIX_STREAM, [...unixBlock, sslTlv]), header: nulls(2) },
  {
    name: 'v2 at the length cap, padded with NOOP',
    bytes: v2(PROXY, TCP4, [...ipv4Block, tlv(0x04, Buffer.alloc(maxHeaderLength - 16 - 12 - 3))]),
    header: ipv4Header,
  },
];

/** The shortest prefix whose answer is not 'incomplete', with that answer. */
function firstAnswer(bytes: Buffer): { at: number; answer: ProxyParse } {
  for (let n = 0; n <= bytes.length; n++) {
    const answer = parseProxyHeader(bytes.subarray(0, n));
    if (answer.kind !== 'incomplete') return { at: n, answer };
  }
  return { at: -1, answer: { kind: 'incomplete' } };
}

const application = ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

for (const { name, bytes, header } of valid) {
  t.test(`valid: ${name}`, async (t) => {
    const expected = { kind: 'done', header, length: bytes.length };
    t.same(parseProxyHeader(bytes), expected, 'whole');
    // Every split point: all shorter prefixes say 'incomplete', the whole header 'done'.
    t.same(firstAnswer(bytes), { at: bytes.length, answer: expected }, 'prefixes');
    const withData = Buffer.concat([bytes, application]);
    const copy = Buffer.from(withData);
    t.same(parseProxyHeader(withData), expected, 'application data after it');
    t.ok(withData.subarray(bytes.length).equals(application), 'the rest is the application data');
    t.ok(withData.equals(copy), 'the input is untouched');
    // A view into the middle of a larger buffer (as after a read into a pooled buffer) reads the same.
    const offset = Buffer.concat([ascii('junk'), withData]).subarray(4);
    t.same(parseProxyHeader(offset), expected, 'at a byte offset');
  });
}

const longUnknown = `PROXY UNKNOWN ${'x'.repeat(200)}`;

// `at`: how many bytes it takes to know the header is bad. Every shorter prefix must be 'incomplete', and every
// longer one must give the same answer, so a bad header is refused as early as possible and consistently.
const invalid: { name: string; bytes: Buffer; reason: string; at?: number }[] = [
  { name: 'an HTTP request', bytes: application, reason: 'not a PROXY header', at: 1 },
  {
    name: 'a TLS ClientHello',
    bytes: Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]),
    reason: 'not a PROXY header',
    at: 1,
  },
  { name: 'an SSH banner', bytes: ascii('SSH-2.0-OpenSSH_9.6\r\n'), reason: 'not a PROXY header', at: 1 },
  { name: 'v1 in lower case', bytes: ascii('proxy tcp4'), reason: 'not a PROXY header', at: 1 },
  { name: 'v1 misspelt', bytes: ascii('PROXX TCP4 1.2.3.4'), reason: 'not a PROXY header', at: 5 },
  { name: 'v1 without the space', bytes: ascii('PROXYTCP4'), reason: 'not a PROXY header', at: 6 },
  { name: 'v1, two spaces after PROXY', bytes: ascii('PROXY  TCP4'), reason: 'bad v1 protocol', at: 7 },
  { name: 'v1 UDP4', bytes: ascii('PROXY UDP4 1.2.3.4'), reason: 'bad v1 protocol', at: 8 },
  { name: 'v1 TCP5', bytes: ascii('PROXY TCP5 1.2.3.4'), reason: 'bad v1 protocol', at: 10 },
  { name: 'v1 TCP4 without a space after it', bytes: ascii('PROXY TCP41.2.3.4'), reason: 'bad v1 protocol', at: 11 },
  { name: 'v1 protocol cut by the CRLF', bytes: ascii('PROXY TCP4\r\n'), reason: 'bad v1 protocol', at: 11 },
  { name: 'v1 empty protocol', bytes: ascii('PROXY \r\n'), reason: 'bad v1 protocol', at: 7 },
  { name: 'v1 UNKNOWNX', bytes: ascii('PROXY UNKNOWNX\r\n'), reason: 'bad v1 protocol', at: 14 },
  { name: 'v1 without CRLF in 107 bytes', bytes: ascii(longUnknown), reason: 'v1 header too long', at: 107 },
  {
    name: 'v1 CRLF one byte too late (108 bytes)',
    bytes: ascii(`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`),
    reason: 'v1 header too long',
    at: 107,
  },
  {
    name: 'v1 TCP6 line over 107 bytes',
    bytes: ascii(`PROXY TCP6 ${ffff} ${ffff} 65535 65535 12345\r\n`),
    reason: 'v1 header too long',
    at: 107,
  },
  { name: 'v1 ended by a bare LF', bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'), reason: 'v1 LF without CR' },
  { name: 'v1 UNKNOWN ended by a bare LF', bytes: ascii('PROXY UNKNOWN\n'), reason: 'v1 LF without CR' },
  { name: 'v1 CR without LF', bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX'), reason: 'v1 CR without LF' },
  { name: 'v1 CR CR LF', bytes: ascii('PROXY UNKNOWN\r\r\n'), reason: 'v1 CR without LF', at: 15 },
  {
    name: 'v1 two spaces between addresses',
    bytes: ascii('PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n'),
    reason: 'v1 fields not separated by single spaces',
  },
  {
    name: 'v1 trailing space',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n'),
    reason: 'v1 fields not separated by single spaces',
  },
  {
    name: 'v1 missing a port',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'),
    reason: 'v1 fields not separated by single spaces',
  },
  { name: 'v1 empty source', bytes: ascii('PROXY TCP4  5.6.7.8 1 2\r\n'), reason: 'bad v1 source address' },
  { name: 'v1 octet over 255', bytes: ascii('PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n'), reason: 'bad v1 source address' },
  {
    name: 'v1 octet with a leading zero',
    bytes: ascii('PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n'),
    reason: 'bad v1 source address',
  },
  { name: 'v1 three octets', bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7 1 2\r\n'), reason: 'bad v1 destination address' },
  { name: 'v1 IPv4 under TCP6', bytes: ascii('PROXY TCP6 1.2.3.4 ::1 1 2\r\n'), reason: 'bad v1 source address' },
  {
    name: 'v1 nine IPv6 groups',
    bytes: ascii('PROXY TCP6 ::1 1:2:3:4:5:6:7:8:9 1 2\r\n'),
    reason: 'bad v1 destination address',
  },
  { name: 'v1 two "::"', bytes: ascii('PROXY TCP6 1::2::3 ::1 1 2\r\n'), reason: 'bad v1 source address' },
  { name: 'v1 IPv6 under TCP4', bytes: ascii('PROXY TCP4 ::1 ::1 1 2\r\n'), reason: 'bad v1 character', at: 12 },
  { name: 'v1 host name', bytes: ascii('PROXY TCP4 localhost 1.2.3.4 1 2\r\n'), reason: 'bad v1 character', at: 12 },
  { name: 'v1 IPv6 zone', bytes: ascii('PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n'), reason: 'bad v1 character', at: 19 },
  {
    name: 'v1 port with a plus sign',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n'),
    reason: 'bad v1 character',
    at: 28,
  },
  { name: 'v1 negative port', bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 -2\r\n'), reason: 'bad v1 character', at: 30 },
  { name: 'v1 port 65536', bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'), reason: 'bad v1 source port' },
  {
    name: 'v1 port with 6 digits',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 000001 2\r\n'),
    reason: 'bad v1 source port',
  },
  {
    name: 'v1 port with a leading zero',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 080\r\n'),
    reason: 'bad v1 destination port',
  },
  {
    name: 'v1 port with a dot',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 8.0\r\n'),
    reason: 'bad v1 destination port',
  },
  { name: 'v1 hex port under TCP6', bytes: ascii('PROXY TCP6 ::1 ::2 1 ab\r\n'), reason: 'bad v1 destination port' },
  { name: 'v1 port past 65535 by far', bytes: ascii('PROXY TCP6 ::1 ::2 99999 1\r\n'), reason: 'bad v1 source port' },
  {
    name: 'v2 signature wrong at byte 7',
    bytes: Buffer.concat([signature.subarray(0, 6), ascii('X'), signature.subarray(7)]),
    reason: 'not a PROXY header',
    at: 7,
  },
  { name: 'v2 version 1', bytes: v2(0x11, TCP4, ipv4Block), reason: 'v2 version 1', at: 13 },
  { name: 'v2 version 3', bytes: v2(0x31, TCP4, ipv4Block), reason: 'v2 version 3', at: 13 },
  { name: 'v2 command 0x2', bytes: v2(0x22, TCP4, ipv4Block), reason: 'v2 command 0x2', at: 13 },
  { name: 'v2 command 0xf', bytes: v2(0x2f, TCP4, ipv4Block), reason: 'v2 command 0xf', at: 13 },
  { name: 'v2 family 0x4', bytes: v2(PROXY, 0x41, ipv4Block), reason: 'v2 family 0x4', at: 14 },
  { name: 'v2 UDP over IPv4', bytes: v2(PROXY, 0x12, ipv4Block), reason: 'v2 transport 0x2', at: 14 },
  { name: 'v2 UNIX datagram', bytes: v2(PROXY, 0x32, unixBlock), reason: 'v2 transport 0x2', at: 14 },
  { name: 'v2 transport 0x3', bytes: v2(PROXY, 0x13, ipv4Block), reason: 'v2 transport 0x3', at: 14 },
  {
    name: 'v2 IPv4, len too short',
    bytes: v2(PROXY, TCP4, ipv4Block, 11),
    reason: 'v2 length 11 too short for its addresses',
    at: 16,
  },
  {
    name: 'v2 IPv6, len too short',
    bytes: v2(PROXY, TCP6, ipv4Block, 35),
    reason: 'v2 length 35 too short for its addresses',
    at: 16,
  },
  {
    name: 'v2 UNIX, len too short',
    bytes: v2(PROXY, UNIX_STREAM, unixBlock, 215),
    reason: 'v2 length 215 too short for its addresses',
    at: 16,
  },
  {
    name: 'v2 len one over the cap',
    bytes: v2(PROXY, TCP4, ipv4Block, maxHeaderLength - 15),
    reason: 'v2 header too long',
    at: 16,
  },
  { name: 'v2 len 0xffff', bytes: v2(PROXY, TCP4, ipv4Block, 0xffff), reason: 'v2 header too long', at: 16 },
  { name: 'v2 LOCAL over the cap', bytes: v2(LOCAL, UNSPEC, [], 0xffff), reason: 'v2 header too long', at: 16 },
  {
    name: 'v2 TLV longer than len',
    bytes: v2(PROXY, TCP4, [...ipv4Block, Buffer.from([0x02, 0x00, 0x0a]), ascii('abcde')]),
    reason: 'v2 TLV overruns the header',
    at: 16 + 12 + 3,
  },
  {
    name: 'v2 second TLV longer than len',
    bytes: v2(PROXY, TCP6, [...ipv6Block, tlv(0x02, ascii('a.example')), Buffer.from([0x04, 0x00, 0x02, 0x00])]),
    reason: 'v2 TLV overruns the header',
    at: 16 + 36 + 12 + 3,
  },
  {
    name: 'v2 two bytes left: too short for a TLV head',
    bytes: v2(PROXY, TCP4, [...ipv4Block, Buffer.from([0x04, 0x00])]),
    reason: 'v2 TLV overruns the header',
    at: 16,
  },
  {
    name: 'v2 UNIX, TLV longer than len',
    bytes: v2(PROXY, UNIX_STREAM, [...unixBlock, Buffer.from([0x20, 0x01, 0x00])]),
    reason: 'v2 TLV overruns the header',
    at: 16 + 216 + 3,
  },
];

for (const { name, bytes, reason, at = bytes.length } of invalid) {
  t.test(`invalid: ${name}`, async (t) => {
    const expected = { kind: 'invalid', reason };
    t.same(firstAnswer(bytes), { at, answer: expected }, `refused at byte ${at}, not before`);
    const later = new Set<string>();
    for (let n = at; n <= bytes.length; n++) later.add(JSON.stringify(parseProxyHeader(bytes.subarray(0, n))));
    t.same([...later], [JSON.stringify(expected)], 'every longer prefix gives the same answer');
  });
}

t.test('maxHeaderLength: the v2 cap (1024) plus the preamble, above the v1 maximum (107)', async (t) => {
  t.equal(maxHeaderLength, 16 + 1024);
  t.ok(maxHeaderLength > 107);
});

t.test('nothing read yet is incomplete', async (t) => {
  t.same(parseProxyHeader(Buffer.alloc(0)), { kind: 'incomplete' });
});

t.test('random bytes: never throws, and never incomplete once maxHeaderLength bytes are in', async (t) => {
  const random = seededRandom(20240607);
  const byte = () => Math.floor(random() * 256);
  const starts = ['', 'PROXY ', 'PROXY TCP4 ', 'PROXY TCP6 ', 'PROXY UNKNOWN'].map(ascii).concat(signature);
  const favourites = [0x0d, 0x0a, 0x20, 0x21, 0x11, 0x00];
  const kinds = { incomplete: 0, done: 0, invalid: 0 };
  let refusedAtOnce = 0;
  let stuck = 0;
  for (let i = 0; i < 3000; i++) {
    const start = starts[i % starts.length]!;
    // Bias towards the bytes the parsers care about, so they get past their first checks now and then.
    const tail = Buffer.from(
      Array.from({ length: maxHeaderLength }, () => (random() < 0.3 ? favourites[byte() % 6]! : byte())),
    );
    const bytes = Buffer.concat([start, tail]).subarray(0, maxHeaderLength);
    if (start.length === 0 && bytes[0] !== 0x50 && bytes[0] !== 0x0d) {
      if (parseProxyHeader(bytes.subarray(0, 1)).kind === 'invalid') refusedAtOnce++;
    }
    for (const n of [start.length + 1, start.length + 16, 200, maxHeaderLength]) {
      kinds[parseProxyHeader(bytes.subarray(0, n)).kind]++;
    }
    if (parseProxyHeader(bytes).kind === 'incomplete') stuck++;
  }
  t.equal(stuck, 0, 'maxHeaderLength bytes always get an answer');
  t.ok(refusedAtOnce > 300, `garbage refused at the first byte (${refusedAtOnce})`);
  t.ok(kinds.invalid > 0 && kinds.incomplete > 0, JSON.stringify(kinds));
});

// Node formats socket.remoteAddress with libuv's inet_ntop, as SocketAddress does: the reference for both versions.
const nodeForm = (words: number[]) =>
  new SocketAddress({ address: words.map((w) => w.toString(16)).join(':'), family: 'ipv6' }).address;

const ipv6Words: number[][] = [
  [0, 0, 0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 1],
  [0, 0, 0, 0, 0, 0, 0, 2],
  [0, 0, 0, 0, 0, 0, 0x0102, 0x0304],
  [0, 0, 0, 0, 0, 0, 0xffff, 0xffff],
  [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304],
  [0, 0, 0, 0, 0, 0xffff, 0, 0],
  [0, 0, 0, 0, 0xffff, 0, 0x0102, 0x0304],
  [0, 0, 0, 0, 0, 0xfffe, 0x0102, 0x0304],
  [0x64, 0xff9b, 0, 0, 0, 0, 0x0102, 0x0304],
  [1, 0, 0, 0, 0, 0, 0, 0],
  [1, 0, 0, 1, 0, 0, 0, 1],
  [1, 0, 0, 2, 0, 0, 3, 4],
  [1, 0, 2, 0, 3, 0, 4, 0],
  [0, 1, 0, 1, 0, 1, 0, 1],
  [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1],
  [0xfe80, 0, 0, 0, 0x1234, 0x5678, 0x9abc, 0xdef0],
  [1, 2, 3, 4, 5, 6, 7, 8],
  [0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff],
];

t.test('IPv6 addresses come out as Node formats them (v2 bytes and v1 text in any spelling)', async (t) => {
  const random = seededRandom(99);
  const cases = [...ipv6Words];
  for (let i = 0; i < 2000; i++) {
    // Many zero words, so that runs, ties and the IPv4 forms all come up.
    const word = () => (random() < 0.6 ? 0 : random() < 0.2 ? 0xffff : Math.floor(random() * 0x10000));
    cases.push(Array.from({ length: 8 }, word));
  }
  const wrong: string[] = [];
  for (const words of cases) {
    const expected = nodeForm(words);
    const binary = parseProxyHeader(v2(PROXY, TCP6, [ip6(...words), ip6(...words), u16(1), u16(2)]));
    const full = words.map((w) => w.toString(16).toUpperCase().padStart(4, '0')).join(':');
    // `expected` itself is a compressed spelling, with a dotted quad where Node uses one.
    const spellings = [full, expected, words.join(':').replaceAll(/\d+/g, (d) => Number(d).toString(16))];
    const texts = spellings.map((s) => parseProxyHeader(ascii(`PROXY TCP6 ${s} ::1 1 2\r\n`)));
    for (const answer of [binary, ...texts]) {
      const got = answer.kind === 'done' ? answer.header.source?.address : answer.kind;
      if (got !== expected) wrong.push(`${full}: ${got} instead of ${expected}`);
    }
  }
  t.same(wrong.slice(0, 10), [], `${cases.length} addresses`);
});
