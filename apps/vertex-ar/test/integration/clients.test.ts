// Issue #2: clients CRUD, pagination, ownership.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newClient, newUser, snapshot, startTestServer, type TestServer, describeEachDatabase } from '../support/test-server.ts';

describeEachDatabase('clients', (db) => {
  let t: TestServer;
  let alice: { token: string };
  let bob: { token: string };
  before(async () => {
    t = await startTestServer({}, db);
    alice = await newUser(t);
    bob = await newUser(t);
  });
  after(() => t.close());

  test('create, read, patch, delete', async () => {
    const created = await call(t, 'POST', '/clients', { token: alice.token, json: { name: 'Ada', phone: '+1 555', email: 'ada@example.com', notes: 'VIP' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, 'Ada');
    const id = created.body.id;
    const got = await call(t, 'GET', `/clients/${id}`, { token: alice.token });
    assert.deepEqual(got.body, created.body);
    const patched = await call(t, 'PATCH', `/clients/${id}`, { token: alice.token, json: { notes: null, name: 'Ada L.' } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.name, 'Ada L.');
    assert.equal(patched.body.notes, null);
    assert.equal(patched.body.phone, '+1 555');
    assert.equal((await call(t, 'DELETE', `/clients/${id}`, { token: alice.token })).status, 204);
    assert.equal((await call(t, 'GET', `/clients/${id}`, { token: alice.token })).status, 404);
  });

  test('list is paginated in id order and shows only own clients', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await newClient(t, bob.token, `c${i}`));
    await newClient(t, alice.token, 'not bob');
    const first = await call(t, 'GET', '/clients?limit=2', { token: bob.token });
    assert.deepEqual({ ...first.body, items: first.body.items.map((c: any) => c.id) }, { items: ids.slice(0, 2), total: 5, limit: 2, offset: 0 });
    const rest = await call(t, 'GET', '/clients?limit=100&offset=2', { token: bob.token });
    assert.deepEqual(rest.body.items.map((c: any) => c.id), ids.slice(2));
    const dflt = await call(t, 'GET', '/clients', { token: bob.token });
    assert.equal(dflt.body.limit, 20);
    for (const q of ['limit=101', 'limit=0', 'offset=-1', 'limit=abc']) {
      const res = await call(t, 'GET', `/clients?${q}`, { token: bob.token });
      assert.equal(res.status, 400, q);
    }
  });

  test("another user's client is 404 for every verb and stays unchanged", async () => {
    const id = await newClient(t, alice.token, 'private');
    const before = await snapshot(t);
    assert.equal((await call(t, 'GET', `/clients/${id}`, { token: bob.token })).status, 404);
    assert.equal((await call(t, 'PATCH', `/clients/${id}`, { token: bob.token, json: { name: 'stolen' } })).status, 404);
    assert.equal((await call(t, 'DELETE', `/clients/${id}`, { token: bob.token })).status, 404);
    assert.deepEqual(await snapshot(t), before);
    assert.equal((await call(t, 'GET', `/clients/${id}`, { token: alice.token })).body.name, 'private');
  });

  test('bad input is 400, no token is 401, nothing changes', async () => {
    const id = await newClient(t, alice.token);
    const before = await snapshot(t);
    const bad: Array<[string, string, unknown]> = [
      ['POST', '/clients', {}],
      ['POST', '/clients', { name: '' }],
      ['POST', '/clients', { name: 42 }],
      ['POST', '/clients', { name: 'x', unknown_field: 1 }],
      ['PATCH', `/clients/${id}`, {}],
      ['PATCH', `/clients/${id}`, { name: null }],
      ['GET', '/clients/abc', undefined],
      ['GET', '/clients/0', undefined],
      ['GET', '/clients/..%2F..%2Fetc', undefined],
      ['DELETE', '/clients/1.5', undefined],
    ];
    for (const [method, path, json] of bad) {
      const res = await call(t, method, path, { token: alice.token, json });
      assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(json)}`);
      assert.equal(res.body.error.code, 'VERTEX_ERR_VALIDATION');
    }
    const malformed = await call(t, 'POST', '/clients', { token: alice.token, body: '{"name":', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'VERTEX_ERR_MALFORMED_JSON');
    assert.equal((await call(t, 'POST', '/clients', { json: { name: 'x' } })).status, 401);
    assert.equal((await call(t, 'GET', '/clients')).status, 401);
    assert.deepEqual(await snapshot(t), before);
  });
});
