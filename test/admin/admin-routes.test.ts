import { once } from 'node:events';
import t, { type Test } from 'tap';
import { AdminRequestError } from '../../src/admin/admin-error.ts';
import { matchRoute, routes } from '../../src/admin/admin-routes.ts';
import { HandoffError } from '../../src/errors.ts';
import { type Answer, call, serve } from '../helpers/admin-client.ts';
import { RecordingLogger } from '../helpers/recording-logger.ts';

/** The one error shape: `{"error": {"code", "message"}}`, as JSON. */
function isError(t: Test, answer: Answer, status: number, code: string, message?: string | RegExp): void {
  t.equal(answer.status, status, `status ${status}: ${answer.text}`);
  t.equal(answer.headers['content-type'], 'application/json');
  t.same(Object.keys(answer.body), ['error']);
  t.same(Object.keys(answer.body.error).sort(), ['code', 'message']);
  t.equal(answer.body.error.code, code);
  t.type(answer.body.error.message, 'string');
  if (message !== undefined) t.match(answer.body.error.message, message);
}

t.test('matchRoute: routes, parameters, 404 and 405 with Allow', async (t) => {
  const cases = [
    ['GET', '/stats', '/stats', {}],
    ['HEAD', '/stats', '/stats', {}],
    ['HEAD', '/healthz', '/healthz', {}],
    ['GET', '/readyz', '/readyz', {}],
    ['POST', '/workers/7/weight', '/workers/:id/weight', { id: '7' }],
    ['POST', '/workers/x/drain', '/workers/:id/drain', { id: 'x' }],
  ] as const;
  for (const [method, path, pattern, params] of cases) {
    const match = matchRoute(method, path);
    t.equal(match.route.path, pattern, `${method} ${path}`);
    t.same(match.params, params);
  }
  const notFound = ['/', '/stats/', '/workers/1', '/workers/1/weight/x', '/STATS'];
  for (const path of notFound) {
    const err = t.throws(() => matchRoute('GET', path)) as AdminRequestError;
    t.equal(err.status, 404, path);
    t.equal(err.code, 'ERR_HANDOFF_ADMIN');
  }
  const notAllowed = [
    ['POST', '/stats', 'GET, HEAD'],
    ['DELETE', '/metrics', 'GET, HEAD'],
    ['GET', '/strategy', 'POST'],
    ['HEAD', '/scale', 'POST'],
    ['PUT', '/workers/1/weight', 'POST'],
  ] as const;
  for (const [method, path, allow] of notAllowed) {
    const err = t.throws(() => matchRoute(method, path)) as AdminRequestError;
    t.equal(err.status, 405, `${method} ${path}`);
    t.same(err.headers, { allow });
  }
  t.equal(new Set(routes.map((r) => `${r.method} ${r.path}`)).size, routes.length, 'no route is declared twice');
});

t.test('GET /healthz and /readyz follow the master state and the ready workers, HEAD too', async (t) => {
  const { port, target } = await serve(t);
  /** `ok`, or the reason /healthz and then /readyz give for a 503. */
  const expect = async (healthz: string, readyz: string) => {
    const label = `${target.state}, ${target.stats().ready} ready`;
    for (const [path, reason] of [['/healthz', healthz], ['/readyz', readyz]] as const) {
      const status = reason === 'ok' ? 200 : 503;
      const answer = await call(port, 'GET', path);
      t.equal(answer.status, status, `GET ${path} (${label})`);
      t.equal(answer.headers['cache-control'], 'no-store');
      t.same(answer.body, reason === 'ok' ? { status: 'ok' } : { status: 'unavailable', reason }, `${path} body`);
      const head = await call(port, 'HEAD', path);
      t.equal(head.status, status, `HEAD ${path} (${label})`);
      t.equal(head.text, '', 'HEAD has no body');
      t.equal(Number(head.headers['content-length']), Buffer.byteLength(answer.text), 'HEAD says how long GET is');
    }
  };
  const noneReady = 'no worker is ready';

  await expect('ok', 'ok');
  target.worker(1).state = 'starting';
  await expect('ok', 'ok');
  target.worker(2).state = 'draining';
  await expect(noneReady, noneReady);
  target.worker(1).state = 'ready';
  await expect('ok', 'ok');
  target.state = 'starting';
  await expect('ok', 'the master is starting');
  target.worker(1).state = 'starting';
  await expect(noneReady, 'the master is starting');
  target.worker(1).state = 'ready';
  target.state = 'closing';
  await expect('the master is closing', 'the master is closing');
  target.state = 'closed';
  await expect('the master is closed', 'the master is closed');
  target.state = 'idle';
  await expect('the master is idle', 'the master is idle');
  target.state = 'running';
  await expect('ok', 'ok');
});

t.test('POST /strategy switches by registered name', async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  const answer = await call(port, 'POST', '/strategy', { body: { strategy: 'p2c' } });
  t.equal(answer.status, 200);
  t.same(answer.body, { strategy: 'p2c' });
  t.equal(target.strategy, 'p2c');
  t.same(target.calls, ['setStrategy p2c']);
  const [entry] = logger.at('info');
  t.match(entry, { fields: { route: 'POST /strategy', requested: 'p2c', previous: 'round-robin', strategy: 'p2c' } });
});

t.test('POST /strategy: an unknown name is a 400 listing the valid ones', async (t) => {
  const { port, target } = await serve(t);
  const answer = await call(port, 'POST', '/strategy', { body: { strategy: 'fastest' } });
  isError(t, answer, 400, 'ERR_HANDOFF_UNKNOWN_STRATEGY', /fastest/);
  for (const name of target.strategies) t.match(answer.body.error.message, name);
  t.equal(target.strategy, 'round-robin');
});

t.test('POST /strategy never passes a path or a module on: 400 before the master sees it', async (t) => {
  const { port, target } = await serve(t);
  for (const strategy of ['./evil.mjs', '/tmp/evil.js', '..\\evil', 'evil.js', 'data:text/javascript,1', '', 'x'.repeat(65)]) {
    const answer = await call(port, 'POST', '/strategy', { body: { strategy } });
    isError(t, answer, 400, 'ERR_HANDOFF_ADMIN', /must be a registered name, not a path/);
  }
  t.same(target.calls, [], 'setStrategy was never called');
});

t.test('bodies that are not the JSON a route needs are a 400 ERR_HANDOFF_ADMIN', async (t) => {
  const { port, target } = await serve(t);
  const cases = [
    ['/strategy', '{"strategy": "p2c"', /not valid JSON/],
    ['/strategy', '', /empty/],
    ['/strategy', '{}', /"strategy": a string/],
    ['/strategy', '{"strategy": 3}', /"strategy": a string/],
    ['/strategy', '["p2c"]', /"strategy": a string/],
    ['/strategy', 'null', /"strategy": a string/],
    ['/strategy', '"p2c"', /"strategy": a string/],
    ['/workers/1/weight', '{"weight": "3"}', /"weight": a number/],
    ['/workers/1/weight', '{"weight": null}', /"weight": a number/],
    ['/workers/1/weight', 'weight=3', /not valid JSON/],
    ['/scale', '{"size": 4}', /"workers": a number/],
    ['/scale', '{"workers": "4"}', /"workers": a number/],
  ] as const;
  for (const [path, body, message] of cases) {
    isError(t, await call(port, 'POST', path, { body }), 400, 'ERR_HANDOFF_ADMIN', message);
  }
  t.same(target.calls, [], 'no change was attempted');
  t.equal((await call(port, 'GET', '/healthz')).status, 200, 'and the endpoint still serves');
});

t.test('POST /workers/:id/weight sets the weight and answers the worker', async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  const answer = await call(port, 'POST', '/workers/2/weight', { body: { weight: 3 } });
  t.equal(answer.status, 200);
  t.match(answer.body, { id: 2, index: 2, weight: 3, effectiveWeight: 3, state: 'ready' });
  t.type(answer.body.uptime, 'number');
  t.ok(answer.body.uptime >= 1.5, 'uptime is in seconds since startedAt');
  t.equal(target.worker(2).weight, 3);
  t.match(logger.at('info')[0], { fields: { route: 'POST /workers/:id/weight', id: 2, weight: 3, result: { index: 2, weight: 3 } } });
});

t.test("POST /workers/:id/weight: a weight out of range is the master's ERR_HANDOFF_BAD_OPTION (400)", async (t) => {
  const { port, target } = await serve(t);
  isError(t, await call(port, 'POST', '/workers/1/weight', { body: { weight: 5000 } }), 400, 'ERR_HANDOFF_BAD_OPTION', /weight.*5000/);
  isError(t, await call(port, 'POST', '/workers/1/weight', { body: { weight: -1 } }), 400, 'ERR_HANDOFF_BAD_OPTION');
  // JSON has no Infinity, but 1e999 parses to it: still a number, and the master refuses it.
  isError(t, await call(port, 'POST', '/workers/1/weight', { body: '{"weight": 1e999}' }), 400, 'ERR_HANDOFF_BAD_OPTION', /Infinity/);
  t.equal(target.worker(1).weight, 1);
});

t.test('worker ids: an unknown one is a 404, a malformed one a 400', async (t) => {
  const { port, target } = await serve(t);
  for (const path of ['/workers/99/weight', '/workers/99/drain']) {
    isError(t, await call(port, 'POST', path, { body: { weight: 1 } }), 404, 'ERR_HANDOFF_UNKNOWN_WORKER', /99/);
  }
  for (const id of ['abc', '0', '-1', '1.5', '01', '1e3', '%31', '99999999999999999999']) {
    const answer = await call(port, 'POST', `/workers/${id}/drain`);
    isError(t, answer, 400, 'ERR_HANDOFF_ADMIN', /positive integer/);
  }
  t.same(target.calls, ['setWeight 99 1', 'drain 99']);
});

t.test('POST /workers/:id/drain sets the weight to 0, whatever the body', async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  const answer = await call(port, 'POST', '/workers/1/drain', { body: 'ignored, not JSON' });
  t.equal(answer.status, 200);
  t.match(answer.body, { id: 1, weight: 0, effectiveWeight: 0 });
  t.equal(target.worker(1).weight, 0);
  t.match(logger.at('info')[0], { fields: { route: 'POST /workers/:id/drain', id: 1, result: { weight: 0 } } });
});

t.test('POST /scale waits for the master and answers the new size', async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  let open!: () => void;
  target.scaleGate = new Promise((resolve) => (open = resolve));
  const started = once(target.events, 'call');
  const pending = call(port, 'POST', '/scale', { body: { workers: 4 } });
  t.same(await started, ['scale 4']);
  t.equal(target.workers().length, 2, 'not answered while the master is still scaling');
  open();
  const answer = await pending;
  t.equal(answer.status, 200);
  t.same(answer.body, { workers: 4 });
  t.equal(target.workers().length, 4);
  t.match(logger.at('info')[0], { fields: { route: 'POST /scale', workers: 4 } });
  target.scaleGate = undefined;
  isError(t, await call(port, 'POST', '/scale', { body: { workers: 0 } }), 400, 'ERR_HANDOFF_BAD_OPTION', /workers/);
  isError(t, await call(port, 'POST', '/scale', { body: { workers: 2.5 } }), 400, 'ERR_HANDOFF_BAD_OPTION');
});

t.test('a change the master state does not allow is a 409 ERR_HANDOFF_STATE', async (t) => {
  const { port, target } = await serve(t);
  target.state = 'closing';
  isError(t, await call(port, 'POST', '/strategy', { body: { strategy: 'random' } }), 409, 'ERR_HANDOFF_STATE', /closing/);
  isError(t, await call(port, 'POST', '/scale', { body: { workers: 3 } }), 409, 'ERR_HANDOFF_STATE');
  isError(t, await call(port, 'POST', '/reload'), 409, 'ERR_HANDOFF_STATE');
  isError(t, await call(port, 'POST', '/workers/1/weight', { body: { weight: 2 } }), 409, 'ERR_HANDOFF_STATE');
});

t.test('POST /reload: 200 when every slot was replaced', async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  const before = target.workers().map((w) => w.id);
  const answer = await call(port, 'POST', '/reload');
  t.equal(answer.status, 200);
  t.same(answer.body, { ok: true, replaced: 2 });
  t.notSame(target.workers().map((w) => w.id), before, 'new workers');
  t.match(logger.at('info')[0], { fields: { route: 'POST /reload', ok: true, replaced: 2 } });
});

t.test('POST /reload that stopped: 500 with the reload error, 409 for a state error', async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  const cases = [
    [new HandoffError('ERR_HANDOFF_RELOAD', 'slot 2: the new worker exited with code 1'), 500, 'ERR_HANDOFF_RELOAD', /slot 2/],
    [new HandoffError('ERR_HANDOFF_STATE', 'a reload is already running'), 409, 'ERR_HANDOFF_STATE', /already running/],
    [undefined, 500, 'ERR_HANDOFF_RELOAD', /did not finish/],
  ] as const;
  for (const [error, status, code, message] of cases) {
    target.reloadResult = error === undefined ? { ok: false, replaced: 1 } : { ok: false, replaced: 1, error };
    const answer = await call(port, 'POST', '/reload');
    t.equal(answer.status, status);
    t.match(answer.body, { ok: false, replaced: 1, error: { code, message } });
  }
  t.equal(logger.at('warn').length, 3, 'each stop is logged');
  t.match(logger.at('warn')[0], { fields: { route: 'POST /reload', ok: false, code: 'ERR_HANDOFF_RELOAD' } });
});

t.test('anything else the master throws: 500, a generic message, logged at error', async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  target.failure = new TypeError('secret internals: cannot read x of undefined');
  const answer = await call(port, 'POST', '/strategy', { body: { strategy: 'random' } });
  isError(t, answer, 500, 'ERR_HANDOFF_ADMIN');
  t.notMatch(answer.text, 'secret', 'no internals leak');
  const [entry] = logger.at('error');
  t.match(entry, { fields: { route: 'POST /strategy', err: { message: /secret internals/ } } });
  t.equal((await call(port, 'GET', '/healthz')).status, 200, 'the endpoint still serves');
});

t.test('a HandoffError with a code the table does not list: 500 that keeps its code and message', async (t) => {
  const logger = new RecordingLogger();
  const { port, target } = await serve(t, { logger });
  target.failure = new HandoffError('ERR_HANDOFF_WORKER_START', 'worker 3 exited with code 1 before it was ready');
  isError(t, await call(port, 'POST', '/scale', { body: { workers: 3 } }), 500, 'ERR_HANDOFF_WORKER_START', /worker 3 exited/);
  t.equal(logger.at('error').length, 1);
});

t.test('unknown routes are a 404, known ones with the wrong method a 405 with Allow', async (t) => {
  const logger = new RecordingLogger();
  const { port } = await serve(t, { logger });
  isError(t, await call(port, 'GET', '/nope'), 404, 'ERR_HANDOFF_ADMIN', /\/nope/);
  isError(t, await call(port, 'GET', '/workers/1'), 404, 'ERR_HANDOFF_ADMIN');
  const cases = [
    ['POST', '/stats', 'GET, HEAD'],
    ['PUT', '/healthz', 'GET, HEAD'],
    ['GET', '/strategy', 'POST'],
    ['GET', '/workers/1/weight', 'POST'],
    ['DELETE', '/reload', 'POST'],
  ] as const;
  for (const [method, path, allow] of cases) {
    const answer = await call(port, method, path);
    isError(t, answer, 405, 'ERR_HANDOFF_ADMIN', method);
    t.equal(answer.headers.allow, allow, `${method} ${path}: Allow`);
  }
  t.match(logger.at('info'), [{ fields: { route: 'POST /stats', status: 405, code: 'ERR_HANDOFF_ADMIN' } }], 'refused changes are logged');
  t.equal(logger.at('info').length, 1, 'refused reads are not logged at info');
});

t.test('the query string is not part of the route', async (t) => {
  const { port } = await serve(t);
  t.equal((await call(port, 'GET', '/healthz?verbose=1')).status, 200);
});
