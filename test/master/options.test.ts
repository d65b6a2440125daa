import { availableParallelism } from 'node:os';
import t from 'tap';
import { OptionError } from '../../src/errors.ts';
import { defaultWorkerConnections, defaults, resolveOptions } from '../../src/master/options.ts';

t.test('defaults', async (t) => {
  const o = resolveOptions({});
  t.equal(o.workers, availableParallelism());
  t.equal(o.port, defaults.port);
  t.equal(o.maxInFlight, defaults.maxInFlight);
  t.equal(o.app, null);
  t.equal(o.host, undefined);
  t.same(o.execArgv, process.execArgv);
  t.equal(o.stdout, 'inherit');
});

t.test('numeric strings are accepted (CLI, environment)', async (t) => {
  const o = resolveOptions({ workers: '3' as unknown as number, port: ' 0 ' as unknown as number });
  t.equal(o.workers, 3);
  t.equal(o.port, 0);
});

const bad: [string, unknown, RegExp][] = [
  ['workers', 0, /expected an integer from 1 to 1024, received 0/],
  ['workers', -2, /received -2/],
  ['workers', 'abc', /received "abc"/],
  ['workers', 2.5, /received 2.5/],
  ['port', 65536, /from 0 to 65535/],
  ['port', 'x', /received "x"/],
  ['maxInFlight', 0, /maxInFlight/],
  ['queueTimeout', 0, /integer >= 1/],
  ['maxQueue', -1, /integer >= 0/],
  ['host', 42, /a host name or IP address/],
  ['app', 42, /a path to a module/],
  ['stdout', 'pipe', /"inherit" or "ignore"/],
  ['env', { A: 1 }, /string values/],
  ['env', [], /string values/],
  ['execArgv', 'x', /array of strings/],
  ['weights', [], /a list of integers from 0 to 1000/],
  ['weights', 'a', /received "a"/],
  ['weights', [1, 1001], /received 1001/],
  ['weights', 7, /a list of integers/],
  ['slowStart', -5, /integer >= 0/],
  ['adminPort', 65536, /from 0 to 65535/],
  ['adminHost', 1, /a host name or IP address/],
  ['strategyOptions', 'p2c', /an object/],
  ['proxyProtocol', 'yes', /true or false/],
  ['proxyTimeout', 0, /integer >= 1/],
  ['workerConnections', 0, /integer >= 1/],
  ['uid', 'no-such-user-here', /a user name in \/etc\/passwd/],
  ['gid', 'no-such-group-here', /a group name in \/etc\/group/],
  ['uid', -1, /a numeric id/],
  ['gid', 2 ** 32, /a numeric id/],
];
for (const [option, value, message] of bad) {
  t.test(`${option}: ${JSON.stringify(value)} is refused, naming the option`, async (t) => {
    const err = t.throws(() => resolveOptions({ [option]: value })) as OptionError;
    t.type(err, OptionError);
    t.equal(err.code, 'ERR_HANDOFF_BAD_OPTION');
    t.equal(err.option, option);
    t.match(err.message, message);
  });
}

t.test('weights, slow start, admin and strategy options', async (t) => {
  const o = resolveOptions({});
  t.same(o.weights, []);
  t.equal(o.slowStart, 0);
  t.equal(o.adminPort, undefined);
  t.equal(o.adminHost, '127.0.0.1', 'the admin endpoint is loopback unless asked');
  t.same(o.strategyOptions, { draws: 2, balanceFactor: 1.25 });
  const set = resolveOptions({
    weights: '5, 1,0' as never,
    adminPort: '0' as never,
    adminHost: '::1',
    strategyOptions: { draws: '3' as never, balanceFactor: '1.5' as never },
  });
  t.same(set.weights, [5, 1, 0]);
  t.equal(set.adminPort, 0);
  t.equal(set.adminHost, '::1');
  t.same(set.strategyOptions, { draws: 3, balanceFactor: 1.5 });
  const keeps = resolveOptions({ strategyOptions: { random: Math.random } });
  t.equal(keeps.strategyOptions.random, Math.random, 'other strategy options pass through');
});

const badStrategyOptions: [Record<string, unknown>, string, RegExp][] = [
  [{ draws: 0 }, 'draws', /from 1 to 1024/],
  [{ draws: 'two' }, 'draws', /received "two"/],
  [{ balanceFactor: 1 }, 'balanceFactor', /a number above 1/],
  [{ balanceFactor: 'x' }, 'balanceFactor', /expected a number, received "x"/],
  [{ balanceFactor: Number.POSITIVE_INFINITY }, 'balanceFactor', /expected a number/],
];
for (const [value, option, message] of badStrategyOptions) {
  t.test(`strategyOptions ${JSON.stringify(value)} is refused`, async (t) => {
    const err = t.throws(() => resolveOptions({ strategyOptions: value })) as OptionError;
    t.equal(err.option, option);
    t.match(err.message, message);
  });
}

t.test('maxRestartDelay must not be below restartDelay', async (t) => {
  const err = t.throws(() => resolveOptions({ restartDelay: 500, maxRestartDelay: 100 })) as OptionError;
  t.equal(err.option, 'maxRestartDelay');
});

t.test('options must be an object', async (t) => {
  t.throws(() => resolveOptions(null as never), { code: 'ERR_HANDOFF_BAD_OPTION' });
});

t.test('the app path resolves against cwd and must be a file', async (t) => {
  const dir = t.testdir({ 'app.js': '', sub: {} });
  t.equal(resolveOptions({ app: 'app.js', cwd: dir }).app, `${dir}/app.js`);
  t.throws(() => resolveOptions({ app: 'missing.js', cwd: dir }), { code: 'ERR_HANDOFF_APP_NOT_FOUND' });
  t.throws(() => resolveOptions({ app: 'sub', cwd: dir }), { code: 'ERR_HANDOFF_APP_NOT_FOUND' });
});

t.test('proxy protocol, worker connections, uid and gid', async (t) => {
  const o = resolveOptions({});
  t.equal(o.proxyProtocol, false);
  t.equal(o.proxyTimeout, 5000);
  t.equal(o.workerConnections, defaultWorkerConnections());
  t.equal(o.uid, undefined);
  t.equal(o.gid, undefined);
  const set = resolveOptions({ proxyProtocol: 'true' as never, proxyTimeout: '250' as never, workerConnections: 10 });
  t.equal(set.proxyProtocol, true);
  t.equal(set.proxyTimeout, 250);
  t.equal(set.workerConnections, 10);
  t.equal(resolveOptions({ proxyProtocol: 'false' as never }).proxyProtocol, false);
  const own = { uid: process.getuid!(), gid: process.getgid!() };
  t.same([resolveOptions(own).uid, resolveOptions(own).gid], [own.uid, own.gid], 'the master\'s own ids need no privilege');
  t.equal(resolveOptions({ uid: 'root' }).uid === 0 || process.getuid!() !== 0, true);
});

t.test('the default per-worker cap is the soft open-file limit less 128', async (t) => {
  const dir = t.testdir({
    limits: 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            20000                40000                files     \n',
    tiny: 'Max open files            200                  200                  files     \n',
    unlimited: 'Max open files            unlimited            unlimited            files     \n',
  });
  t.equal(defaultWorkerConnections(`${dir}/limits`), 19872);
  t.equal(defaultWorkerConnections(`${dir}/tiny`), Number.MAX_SAFE_INTEGER, 'too small to take a share from: no cap');
  t.equal(defaultWorkerConnections(`${dir}/unlimited`), Number.MAX_SAFE_INTEGER);
  t.equal(defaultWorkerConnections(`${dir}/missing`), Number.MAX_SAFE_INTEGER);
});

t.test('TLS: both files or neither; paths resolve against cwd and must be files', async (t) => {
  const dir = t.testdir({ 'c.pem': 'cert', 'k.pem': 'key', sub: {} });
  t.equal(resolveOptions({}).tls, null);
  t.equal(resolveOptions({ tlsCert: '', tlsKey: '' }).tls, null, 'empty (an empty environment variable) is unset');
  t.same(resolveOptions({ tlsCert: 'c.pem', tlsKey: 'k.pem', cwd: dir }).tls, { cert: `${dir}/c.pem`, key: `${dir}/k.pem` });
  const bad: [Record<string, unknown>, string, RegExp][] = [
    [{ tlsCert: 'c.pem' }, 'tlsKey', /^invalid tlsKey: expected a private key file along with the certificate, received undefined$/],
    [{ tlsKey: 'k.pem' }, 'tlsCert', /^invalid tlsCert: expected a certificate file along with the key, received undefined$/],
    [{ tlsCert: 'nope.pem', tlsKey: 'k.pem' }, 'tlsCert', new RegExp(`^invalid tlsCert: expected an existing file, received "${dir}/nope\\.pem"$`)],
    [{ tlsCert: 'c.pem', tlsKey: 'sub' }, 'tlsKey', /expected an existing file, received ".*\/sub"/],
    [{ tlsCert: 42, tlsKey: 'k.pem' }, 'tlsCert', /expected a path to a file, received 42/],
  ];
  for (const [options, option, message] of bad) {
    const err = t.throws(() => resolveOptions({ ...options, cwd: dir })) as OptionError;
    t.type(err, OptionError);
    t.equal(err.option, option);
    t.match(err.message, message);
  }
});
