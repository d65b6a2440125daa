import type { Socket } from 'node:net';
import t from 'tap';
import { PendingConnection } from '../../src/master/pending-connection.ts';

t.test('connection info is read from the socket only when asked', async (t) => {
  let reads = 0;
  const socket = {
    get remoteAddress() {
      reads++;
      return '10.0.0.7';
    },
    remotePort: 51000,
    remoteFamily: 'IPv4',
    localPort: 8000,
  } as unknown as Socket;
  const conn = new PendingConnection(7, socket);
  t.equal(reads, 0, 'nothing read at construction');
  t.equal(conn.id, 7);
  t.equal(conn.remoteAddress, '10.0.0.7');
  t.equal(conn.remotePort, 51000);
  t.equal(conn.remoteFamily, 'IPv4');
  t.equal(conn.localPort, 8000);
  t.equal(reads, 1);
});
