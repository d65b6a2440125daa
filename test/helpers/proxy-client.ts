import { connect } from 'node:net';

export interface RawReply {
  /** Everything the server sent before it closed. */
  readonly text: string;
  /** The JSON body of a 200 answer, when there was one. */
  readonly json: { pid: number; remoteAddress: string; remotePort: number; remoteFamily: string; body: string } | undefined;
}

/**
 * Sends `parts` on one new connection to 127.0.0.1:`port`, each in its own event-loop turn (so a header can arrive
 * split), and resolves with what the server sent once it closes. `end`: half-close after the last part. The requests carry `Connection: close`.
 */
export function sendRaw(port: number, parts: (string | Buffer)[], timeout = 5000, end = false): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => undefined); // a reset after the answer is still an answer
    socket.on('close', () => {
      const body = text.includes('\r\n\r\n') && text.startsWith('HTTP/1.1 200') ? text.slice(text.indexOf('\r\n\r\n') + 4) : '';
      resolve({ text, json: body === '' ? undefined : JSON.parse(body) });
    });
    socket.setTimeout(timeout, () => {
      socket.destroy();
      reject(new Error(`no close within ${timeout} ms; got ${JSON.stringify(text)}`));
    });
    socket.once('connect', async () => {
      for (const part of parts) {
        socket.write(part);
        await new Promise((r) => setImmediate(r));
      }
      if (end) socket.end();
    });
  });
}

export const httpRequest = 'GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

export function v1(source: string, sourcePort: number, family: 'TCP4' | 'TCP6' = 'TCP4'): string {
  const destination = family === 'TCP4' ? '192.0.2.1' : '2001:db8::1';
  return `PROXY ${family} ${source} ${destination} ${sourcePort} 443\r\n`;
}

const signature = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A v2 header: PROXY (or LOCAL) over TCP/IPv4 or IPv6, with optional TLV bytes. */
export function v2(command: 'PROXY' | 'LOCAL', source?: { address: string; port: number }, tlvs = Buffer.alloc(0)): Buffer {
  if (command === 'LOCAL' || source === undefined) {
    return Buffer.concat([signature, Buffer.from([0x20, 0x00, 0x00, tlvs.length]), tlvs]);
  }
  const isV6 = source.address.includes(':');
  const addresses = isV6 ? Buffer.alloc(36) : Buffer.alloc(12);
  if (isV6) {
    writeV6(addresses, 0, source.address);
    writeV6(addresses, 16, '2001:db8::1');
    addresses.writeUInt16BE(source.port, 32);
    addresses.writeUInt16BE(443, 34);
  } else {
    source.address.split('.').forEach((o, i) => (addresses[i] = Number(o)));
    [192, 0, 2, 1].forEach((o, i) => (addresses[4 + i] = o));
    addresses.writeUInt16BE(source.port, 8);
    addresses.writeUInt16BE(443, 10);
  }
  const body = Buffer.concat([addresses, tlvs]);
  const head = Buffer.from([0x21, isV6 ? 0x21 : 0x11, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([signature, head, body]);
}

function writeV6(buffer: Buffer, offset: number, address: string): void {
  const [left, right = ''] = address.split('::');
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  groups.forEach((g, i) => buffer.writeUInt16BE(parseInt(g, 16), offset + 2 * i));
}
