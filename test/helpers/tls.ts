import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as connectH2 } from 'node:http2';
import { type Agent, request } from 'node:https';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';

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
