import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect as connectH2 } from 'node:http2';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { type Agent, request } from 'node:https';
import { join } from 'node:path';
import { type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
  /** The certificate's PEM: self-signed, so it is its own CA. */
  readonly ca: Buffer;
}

/**
 * A self-signed RSA certificate for `cn`, valid for localhost and 127.0.0.1 too (so a client can verify it against
 * itself as the CA), made by the openssl CLI in `dir`.
 */
export function makeCert(dir: string, cn = 'localhost', name = cn): CertFiles {
  const cert = join(dir, `${name}.cert.pem`);
  const key = join(dir, `${name}.key.pem`);
  const san = 'subjectAltName=DNS:localhost,IP:127.0.0.1';
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-addext', san, '-days', '1'];
  execFileSync('/usr/bin/openssl', [...args, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key, ca: readFileSync(cert) };
}

export interface TlsReply {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The certificate the server presented. */
  readonly peer: PeerCertificate;
  readonly alpn: string | false | null;
}

/**
 * HTTPS GET to 127.0.0.1 over a new connection (unless an agent is given). The self-signed certificates are not
 * verified (the tests look at which one was presented); fails after `timeout` ms.
 */
export function httpsGet(
  port: number,
  path = '/',
  options: { agent?: Agent; timeout?: number; ALPNProtocols?: string[] } = {},
): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: options.agent ?? false,
        rejectUnauthorized: false,
        ...(options.ALPNProtocols === undefined ? {} : { ALPNProtocols: options.ALPNProtocols }),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        const alpn = socket.alpnProtocol;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, peer, alpn }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeout ?? 5000, () => req.destroy(new Error(`GET ${path}: no answer in time`)));
    req.on('error', reject);
    req.end();
  });
}

/** One HTTP/2 GET over TLS (ALPN h2), verifying the server against `ca`; the session is closed afterwards. */
export function h2Get(port: number, ca: Buffer, path = '/'): Promise<{ status: number; body: string; alpn: string }> {
  return new Promise((resolve, reject) => {
    const session = connectH2(`https://127.0.0.1:${port}`, { ca });
    session.on('error', reject);
    const req = session.request({ ':path': path });
    let status = 0;
    let body = '';
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const alpn = session.alpnProtocol ?? '';
      session.close();
      resolve({ status, body, alpn });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * What a proxy doing TLS passthrough with `send-proxy` sends: `header`, then the client's TLS, the ClientHello in the
 * same write as the header (so the master reads TLS bytes past it). Then one HTTP/1.1 GET; resolves with the JSON body.
 */
export async function httpsGetBehindProxy(port: number, header: string, ca: Buffer): Promise<Record<string, unknown>> {
  const tcp = connect(port, '127.0.0.1');
  let isFirst = true;
  // TLS writes to this relay; the relay puts the header in front of its first write.
  const relay = new Duplex({
    write(chunk: Buffer, _encoding, done) {
      tcp.write(isFirst ? Buffer.concat([Buffer.from(header), chunk]) : chunk, done);
      isFirst = false;
    },
    read() {},
    final(done) {
      tcp.end();
      done();
    },
  });
  tcp.on('data', (d: Buffer) => relay.push(d)).on('end', () => relay.push(null));
  tcp.on('error', (err) => relay.destroy(err));
  const secure = tlsConnect({ socket: relay, ca, servername: 'localhost' });
  // write, not end: a client half-close aborts the request in Node's http (httpAllowHalfOpen is false).
  secure.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  let text = '';
  secure.setEncoding('utf8').on('data', (d: string) => (text += d));
  await new Promise((resolve, reject) => secure.on('end', resolve).on('error', reject));
  tcp.destroy();
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}

/**
 * Two clients a TLS port must survive, each resolved once the server has closed it: bytes that are no TLS at all,
 * and a partial record followed by the client's FIN (half-open on a server with allowHalfOpen: it must still close).
 */
export async function sendBadHandshakes(port: number): Promise<void> {
  const garbage = connect(port, '127.0.0.1');
  garbage.end('\x16\x03\x01\x00\x05not a client hello');
  garbage.resume();
  await once(garbage, 'close');
  const hangUp = connect(port, '127.0.0.1');
  await once(hangUp, 'connect');
  hangUp.end('\x16\x03\x01');
  hangUp.resume();
  await once(hangUp, 'close');
}
