import t from 'tap';
import { PendingConnection } from '../../src/master/pending-connection.ts';

t.test('connection info is read from the handle only when asked, once', async (t) => {
  let reads = 0;
  const handle = {
    getpeername(out: Record<string, unknown>) {
      reads++;
      Object.assign(out, { address: '10.0.0.7', port: 51000, family: 'IPv4' });
      return 0;
    },
    getsockname(out: Record<string, unknown>) {
      out.port = 8000;
      return 0;
    },
    close() {},
  };
  const conn = new PendingConnection(7, handle);
  t.equal(reads, 0, 'nothing read at construction');
  t.equal(conn.id, 7);
  t.equal(conn.remoteAddress, '10.0.0.7');
  t.equal(conn.remotePort, 51000);
  t.equal(conn.remoteFamily, 'IPv4');
  t.equal(conn.localPort, 8000);
  t.equal(reads, 1);
});
