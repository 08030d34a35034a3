// catchResponse (Locust's catch_response): recorded exactly once — at success()/failure() (end of the current
// synchronous turn), else at flush() or when the next request on the session starts, judged by status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpSession } from '../../src/http/session.ts';
import { FakeRecorder } from '../fixtures/fake-recorder.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';
import { startRefusingServer } from '../fixtures/misbehaving-servers.ts';

let server: CountingServer;
before(async () => {
  server = await startCountingServer({ '/broken': { status: 500 }, '/ok': { body: '{"state":"bad"}' } });
});
after(() => server.close());

function setup() {
  const recorder = new FakeRecorder();
  const session = createHttpSession({ baseUrl: server.url, recorder });
  return { recorder, session };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('catchResponse', () => {
  it('success() turns a 500 into one successful record', async () => {
    const { recorder, session } = setup();
    const res = await session.get('/broken', { catchResponse: true });
    assert.equal(recorder.calls.length, 0);
    assert.equal(res.ok, false);
    res.success();
    assert.equal(res.ok, true);
    await tick();
    assert.deepEqual(recorder.kinds(), [undefined]);
    session.flush();
    assert.equal(recorder.calls.length, 1);
    await session.close();
  });

  it('failure(reason) turns a 200 into a catch_response failure with the reason', async () => {
    const { recorder, session } = setup();
    const res = await session.get('/ok', { catchResponse: true });
    if (res.json<{ state: string }>().state !== 'good') res.failure(new Error('state is bad'));
    await tick();
    assert.deepEqual(recorder.calls.map((c) => c.error), [{ kind: 'catch_response', message: 'state is bad' }]);
    assert.equal(res.ok, false);
    await session.close();
  });

  it('neither called: flush() records it judged by status', async () => {
    const { recorder, session } = setup();
    await session.get('/broken', { catchResponse: true });
    await tick();
    assert.equal(recorder.calls.length, 0);
    session.flush();
    session.flush();
    assert.deepEqual(recorder.kinds(), ['http_5xx']);
    await session.close();
  });

  it('neither called: the next request records it first', async () => {
    const { recorder, session } = setup();
    await session.get('/ok', { catchResponse: true, name: 'first' });
    const next = session.get('/broken', { name: 'second' });
    assert.deepEqual(recorder.calls.map((c) => c.name), ['first']);
    await next;
    assert.deepEqual(recorder.calls.map((c) => [c.name, c.error?.kind]), [['first', undefined], ['second', 'http_5xx']]);
    await session.close();
  });

  it('both called in one turn: the last call wins; calls after recording are ignored', async () => {
    const { recorder, session } = setup();
    const res = await session.get('/ok', { catchResponse: true });
    res.failure('first thought');
    res.success();
    await tick();
    res.failure('too late');
    session.flush();
    assert.deepEqual(recorder.kinds(), [undefined]);
    assert.equal(res.ok, true);
    await session.close();
  });

  it('without catchResponse, success()/failure() change nothing', async () => {
    const { recorder, session } = setup();
    const res = await session.get('/broken');
    res.success();
    await tick();
    session.flush();
    assert.deepEqual(recorder.kinds(), ['http_5xx']);
    await session.close();
  });

  it('a transport failure is recorded at once even with catchResponse', async () => {
    const refused = await startRefusingServer();
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: refused.url, recorder });
    const res = await session.get('/', { catchResponse: true });
    assert.deepEqual(recorder.kinds(), ['connect_refused']);
    res.success();
    await tick();
    session.flush();
    assert.equal(recorder.calls.length, 1);
    await session.close();
  });
});
