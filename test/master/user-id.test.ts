import t from 'tap';
import { OptionError } from '../../src/errors.ts';
import { assertCanSwitch, userId } from '../../src/master/user-id.ts';

t.test('ids as numbers or names', async (t) => {
  const dir = t.testdir({ passwd: 'root:x:0:0::/root:/bin/sh\nweb:x:1234:1234::/srv:/bin/false\nbroken:x\n', group: 'www:x:33:\n' });
  t.equal(userId('uid', undefined), undefined);
  t.equal(userId('uid', ''), undefined);
  t.equal(userId('uid', 1000), 1000);
  t.equal(userId('uid', '65534'), 65534);
  t.equal(userId('uid', 'web', `${dir}/passwd`), 1234);
  t.equal(userId('gid', 'www', `${dir}/group`), 33);
  t.throws(() => userId('uid', 'broken', `${dir}/passwd`), OptionError);
  t.throws(() => userId('uid', 'web', `${dir}/nowhere`), { message: /user name in .*nowhere/ });
  t.throws(() => userId('gid', 1.5), { message: /invalid gid/ });
  t.throws(() => userId('gid', {} as never), { message: /a numeric id/ });
});

t.test('switching to another id needs root', async (t) => {
  t.doesNotThrow(() => assertCanSwitch('uid', undefined));
  t.doesNotThrow(() => assertCanSwitch('uid', 1000, 1000), 'its own id');
  if (process.getuid!() === 0) t.doesNotThrow(() => assertCanSwitch('uid', 65534, 0), 'root may');
  else t.throws(() => assertCanSwitch('uid', 65534), { message: /unless the master runs as root/ });
  t.doesNotThrow(() => assertCanSwitch('gid', 5, undefined), 'a platform without ids');
});
