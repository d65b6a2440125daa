import { isIPv4, isIPv6 } from 'node:net';

/*
 * The PROXY protocol header (HAProxy, doc/proxy-protocol.txt), versions 1 and 2, read from the first bytes of a
 * connection. The master feeds everything read so far after each chunk; the parser is pure and keeps no state, so a
 * header split anywhere (even one byte per packet) reads the same as one that came whole.
 *
 *   v1  "PROXY " TCP4|TCP6 SP src SP dst SP sport SP dport CRLF     at most 107 bytes with the CRLF
 *       "PROXY " UNKNOWN [anything] CRLF
 *   v2  | signature (12) | ver<<4|cmd | family<<4|transport | len (u16 BE) | addresses | TLVs ... |
 *       0              12           13                    14             16         16+len
 */

export interface ProxyAddress {
  readonly family: 'IPv4' | 'IPv6';
  readonly address: string;
  readonly port: number;
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  /**
   * null for v1 "UNKNOWN", v2 LOCAL (health checks from the proxy itself), v2 UNSPEC/UNIX families: use the real
   * peer.
   */
  readonly source: ProxyAddress | null;
  readonly destination: ProxyAddress | null;
}

export type ProxyParse =
  /** Valid so far; read more (the caller enforces a timeout). */
  | { readonly kind: 'incomplete' }
  /** Bytes [0, length) are the header; the rest is application data to pass on. */
  | { readonly kind: 'done'; readonly header: ProxyHeader; readonly length: number }
  /** Close the connection. */
  | { readonly kind: 'invalid'; readonly reason: string };

// The spec's worst case: "PROXY UNKNOWN" with two full IPv6 addresses and ports, CRLF included.
const v1MaxLength = 107;
// The spec designs both formats to fit the smallest segment every host must take (536 bytes), but HAProxy alone can
// exceed that: AF_UNIX addresses (216) plus the TLVs it may send (SNI up to 255, unique id up to 128, SSL with
// version, CN, cipher and algorithms, CRC32C, netns). 1024 holds all of that with room, while bounding what the
// master buffers per connection far below the 64 KiB the u16 allows.
const v2MaxLength = 1024;

/**
 * The most bytes a header can take. A caller holding this many bytes always gets 'done' or 'invalid', never
 * 'incomplete'.
 */
export const maxHeaderLength: number = 16 + v2MaxLength;

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const DOT = 0x2e;
const COLON = 0x3a;
const ZERO = 0x30;

const v1Prefix = Buffer.from('PROXY ', 'latin1');
const v2Signature = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const tcp4 = Buffer.from('TCP4 ', 'latin1');
const tcp6 = Buffer.from('TCP6 ', 'latin1');
const unknown = Buffer.from('UNKNOWN', 'latin1');

// The answers that carry no data are shared (and frozen, as callers all hold the same object): most calls, every
// chunk before the last, allocate nothing.
const incomplete: ProxyParse = Object.freeze({ kind: 'incomplete' });
const invalid = (reason: string): ProxyParse => ({ kind: 'invalid', reason });
const shared = (reason: string): ProxyParse => Object.freeze(invalid(reason));
const notProxy = shared('not a PROXY header');
const v1TooLong = shared('v1 header too long');
const v1BareLf = shared('v1 LF without CR');
const v1LoneCr = shared('v1 CR without LF');
const v1BadProtocol = shared('bad v1 protocol');
const v1BadCharacter = shared('bad v1 character');
const v1BadFields = shared('v1 fields not separated by single spaces');
const v1BadSource = shared('bad v1 source address');
const v1BadDestination = shared('bad v1 destination address');
const v1BadSourcePort = shared('bad v1 source port');
const v1BadDestinationPort = shared('bad v1 destination port');
const v2TooLong = shared('v2 header too long');
const v2TlvOverrun = shared('v2 TLV overruns the header');

// Scratch for IPv6 words: module-level so that formatting an address allocates only its string.
const words = new Uint16Array(8);

/** Reads a PROXY protocol header (v1 or v2) from the first bytes of a connection. Never throws on bad input. */
export function parseProxyHeader(data: Buffer): ProxyParse {
  if (data.length === 0) return incomplete;
  if (data[0] === v1Prefix[0]) return parseV1(data);
  if (data[0] === v2Signature[0]) return parseV2(data);
  return notProxy;
}

function parseV1(data: Buffer): ProxyParse {
  const seen = data.length;
  if (!startsLike(data, 0, seen, v1Prefix)) return notProxy;
  if (seen <= v1Prefix.length) return incomplete;

  // The line ends at the first CR, which must be followed by LF: the spec forbids ending on a lone CR or LF. Each
  // check below covers only bytes before the line end, so the first bad byte decides, whenever it arrives.
  const limit = Math.min(seen, v1MaxLength);
  let end = v1Prefix.length;
  while (end < limit && data[end] !== CR && data[end] !== LF) end++;
  const isLineEnded = end < limit;
  const protocol = v1Protocol(data, end);
  if (protocol === 'bad' || (protocol === 'partial' && isLineEnded)) return v1BadProtocol;
  if (protocol === 'TCP4' || protocol === 'TCP6') {
    // Reject a stray byte as soon as it arrives rather than at the CRLF. This also keeps IPv6 zones ("%eth0"),
    // which net.isIPv6 accepts, out of the header.
    const hex = protocol === 'TCP6';
    for (let i = v1Prefix.length + tcp4.length; i < end; i++) {
      if (!isAddressByte(data[i]!, hex)) return v1BadCharacter;
    }
  }
  if (!isLineEnded) return seen >= v1MaxLength ? v1TooLong : incomplete;
  if (data[end] === LF) return v1BareLf;
  if (end + 1 >= v1MaxLength) return v1TooLong;
  if (end + 1 === seen) return incomplete;
  if (data[end + 1] !== LF) return v1LoneCr;

  const length = end + 2;
  if (protocol === 'UNKNOWN') return done(1, null, null, length);
  return parseV1Addresses(data, end, protocol === 'TCP4' ? 'IPv4' : 'IPv6', length);
}

type V1Protocol = 'TCP4' | 'TCP6' | 'UNKNOWN' | 'partial' | 'bad';

/** Which protocol word follows "PROXY ", as far as the bytes before `end` tell. */
function v1Protocol(data: Buffer, end: number): V1Protocol {
  const start = v1Prefix.length;
  const seen = end - start;
  if (startsLike(data, start, end, tcp4)) return seen >= tcp4.length ? 'TCP4' : 'partial';
  if (startsLike(data, start, end, tcp6)) return seen >= tcp6.length ? 'TCP6' : 'partial';
  if (!startsLike(data, start, end, unknown)) return 'bad';
  if (seen < unknown.length) return 'partial';
  // "UNKNOWN" ends at a space (anything may follow it) or at the line end ("PROXY UNKNOWN\r\n").
  return seen === unknown.length || data[start + unknown.length] === SPACE ? 'UNKNOWN' : 'bad';
}

function parseV1Addresses(data: Buffer, cr: number, family: 'IPv4' | 'IPv6', length: number): ProxyParse {
  const start = v1Prefix.length + tcp4.length;
  let a = -1;
  let b = -1;
  let c = -1;
  for (let i = start; i < cr; i++) {
    if (data[i] !== SPACE) continue;
    if (a === -1) a = i;
    else if (b === -1) b = i;
    else if (c === -1) c = i;
    else return v1BadFields;
  }
  if (c === -1) return v1BadFields;

  const source = v1Address(data, start, a, family);
  if (source === undefined) return v1BadSource;
  const destination = v1Address(data, a + 1, b, family);
  if (destination === undefined) return v1BadDestination;
  const sourcePort = v1Port(data, b + 1, c);
  if (sourcePort === -1) return v1BadSourcePort;
  const destinationPort = v1Port(data, c + 1, cr);
  if (destinationPort === -1) return v1BadDestinationPort;
  return done(
    1,
    { family, address: source, port: sourcePort },
    { family, address: destination, port: destinationPort },
    length,
  );
}

/** The address in Node's own format (what socket.remoteAddress would say), or undefined if it is not valid. */
function v1Address(data: Buffer, start: number, end: number, family: 'IPv4' | 'IPv6'): string | undefined {
  const text = data.toString('latin1', start, end);
  // net.isIPv4 refuses leading zeros and octets over 255, so a valid IPv4 is already in its only form.
  if (family === 'IPv4') return isIPv4(text) ? text : undefined;
  if (!isIPv6(text)) return undefined;
  // IPv6 has many spellings ("2001:DB8:0::1"); a strategy hashing addresses must see the one Node gives real peers.
  readIPv6(text);
  return formatIPv6();
}

/** A decimal port 0-65535: digits only, no sign, no leading zero. -1 if not. */
function v1Port(data: Buffer, start: number, end: number): number {
  const digits = end - start;
  if (digits < 1 || digits > 5 || (digits > 1 && data[start] === ZERO)) return -1;
  let port = 0;
  for (let i = start; i < end; i++) {
    const digit = data[i]! - ZERO;
    if (digit < 0 || digit > 9) return -1;
    port = port * 10 + digit;
  }
  return port > 65535 ? -1 : port;
}

function parseV2(data: Buffer): ProxyParse {
  const seen = data.length;
  if (!startsLike(data, 0, seen, v2Signature)) return notProxy;
  if (seen <= 12) return incomplete;

  const version = data[12]! >> 4;
  const command = data[12]! & 0xf;
  if (version !== 2) return invalid(`v2 version ${version}`);
  if (command > 1) return invalid(`v2 command 0x${command.toString(16)}`);
  if (seen === 13) return incomplete;

  // LOCAL (0x0) is the proxy's own connection, a health check: the spec says to ignore the whole block, family
  // included. For PROXY (0x1), an UNSPEC family or transport also means "use the real peer", block unread.
  const family = data[13]! >> 4;
  const transport = data[13]! & 0xf;
  let addressLength = 0;
  if (command === 1) {
    if (family > 3) return invalid(`v2 family 0x${family.toString(16)}`);
    // Only TCP is handed to workers; DGRAM (0x2, UDP) and unassigned values are refused.
    if (transport > 1) return invalid(`v2 transport 0x${transport.toString(16)}`);
    if (family !== 0 && transport !== 0) addressLength = family === 1 ? 12 : family === 2 ? 36 : 216;
  }
  if (seen < 16) return incomplete;

  const blockLength = data.readUInt16BE(14);
  if (blockLength > v2MaxLength) return v2TooLong;
  if (blockLength < addressLength) return invalid(`v2 length ${blockLength} too short for its addresses`);
  const length = 16 + blockLength;

  if (addressLength > 0) {
    // TLVs fill the rest of the block exactly; each one is checked as soon as its 3-byte head arrives.
    const available = Math.min(seen, length);
    let at = 16 + addressLength;
    while (at < length) {
      if (at + 3 > length) return v2TlvOverrun;
      if (at + 3 > available) break;
      at += 3 + data.readUInt16BE(at + 1);
    }
    if (at > length) return v2TlvOverrun;
  }
  if (seen < length) return incomplete;

  if (addressLength === 12) {
    return done(2, v2IPv4(data, 16, 24), v2IPv4(data, 20, 26), length);
  }
  if (addressLength === 36) {
    return done(2, v2IPv6(data, 16, 48), v2IPv6(data, 32, 50), length);
  }
  return done(2, null, null, length);
}

function v2IPv4(data: Buffer, at: number, portAt: number): ProxyAddress {
  const address = `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`;
  return { family: 'IPv4', address, port: data.readUInt16BE(portAt) };
}

function v2IPv6(data: Buffer, at: number, portAt: number): ProxyAddress {
  for (let i = 0; i < 8; i++) words[i] = data.readUInt16BE(at + 2 * i);
  return { family: 'IPv6', address: formatIPv6(), port: data.readUInt16BE(portAt) };
}

function done(
  version: 1 | 2,
  source: ProxyAddress | null,
  destination: ProxyAddress | null,
  length: number,
): ProxyParse {
  return { kind: 'done', header: { version, source, destination }, length };
}

/** data[start, end) and `word` agree on their common length (so either is a prefix of the other). */
function startsLike(data: Buffer, start: number, end: number, word: Buffer): boolean {
  const n = Math.min(end - start, word.length);
  for (let i = 0; i < n; i++) {
    if (data[start + i] !== word[i]) return false;
  }
  return true;
}

function isAddressByte(byte: number, hex: boolean): boolean {
  if ((byte >= ZERO && byte <= 0x39) || byte === DOT || byte === SPACE) return true;
  const lower = byte | 0x20;
  return hex && (byte === COLON || (lower >= 0x61 && lower <= 0x66));
}

/** Fills `words` from an IPv6 text that net.isIPv6 accepted and that holds no zone. */
function readIPv6(text: string): void {
  words.fill(0);
  let count = 0;
  let gap = -1;
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === COLON) {
      // Each group's own ':' was stepped over after it, so a colon here is the "::" (both colons at the start).
      gap = count;
      i += i === 0 ? 2 : 1;
      continue;
    }
    let word = 0;
    let j = i;
    for (; j < text.length; j++) {
      const digit = hexDigit(text.charCodeAt(j));
      if (digit === -1) break;
      word = word * 16 + digit;
    }
    if (text.charCodeAt(j) === DOT) {
      // A trailing dotted quad ("::ffff:1.2.3.4") is the last two words.
      let quad = 0;
      let octet = 0;
      for (j = i; j < text.length; j++) {
        const code = text.charCodeAt(j);
        if (code === DOT) {
          quad = quad * 256 + octet;
          octet = 0;
        } else octet = octet * 10 + code - ZERO;
      }
      quad = quad * 256 + octet;
      words[count++] = quad >>> 16;
      words[count++] = quad & 0xffff;
      break;
    }
    words[count++] = word;
    i = j + 1;
  }
  if (gap !== -1) {
    // Move the groups after "::" to the end; the zeros go where they were.
    const tail = count - gap;
    for (let k = 1; k <= tail; k++) words[8 - k] = words[count - k]!;
    words.fill(0, gap, 8 - tail);
  }
}

function hexDigit(code: number): number {
  if (code >= ZERO && code <= 0x39) return code - ZERO;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * `words` as Node prints socket.remoteAddress: libuv's inet_ntop6 (as bundled with Node 20, libuv 1.46). Lower-case
 * hex, the longest run of two or more zero words (the first on a tie) as "::", and the IPv4-compatible and
 * IPv4-mapped forms with a dotted quad ("::1.2.3.4", "::ffff:1.2.3.4").
 */
function formatIPv6(): string {
  let base = -1;
  let run = 0;
  let current = -1;
  for (let i = 0; i < 8; i++) {
    if (words[i] !== 0) {
      current = -1;
      continue;
    }
    if (current === -1) current = i;
    if (i - current + 1 > run) {
      base = current;
      run = i - current + 1;
    }
  }
  if (run < 2) base = -1;
  if (base === 0 && (run === 6 || (run === 5 && words[5] === 0xffff))) {
    const w6 = words[6]!;
    const w7 = words[7]!;
    return `${run === 6 ? '::' : '::ffff:'}${w6 >> 8}.${w6 & 0xff}.${w7 >> 8}.${w7 & 0xff}`;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === base) {
      text += ':';
      i += run - 1;
      continue;
    }
    if (i !== 0) text += ':';
    text += words[i]!.toString(16);
  }
  return base !== -1 && base + run === 8 ? `${text}:` : text;
}
