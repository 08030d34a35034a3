// Issue 19, item 2: the circuit breaker and the guarded cache on a fake clock and a scripted store — exact counts of
// what reaches the store, when the circuit opens, and that a lost invalidation is replayed before any read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, type CircuitState } from '../../src/cache/circuit-breaker.ts';
import { GuardedStore, MAX_PENDING_KEYS, type ProbedStore } from '../../src/cache/guarded-store.ts';
import type { FillToken } from '../../src/cache/cache-store.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';

test('the breaker opens at the threshold, stays open for the cooldown, probes once, closes or reopens', () => {
  let now = 0;
  const changes: CircuitState[] = [];
  const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, now: () => now, onChange: (s) => changes.push(s) });
  b.failed('x');
  b.failed('x');
  b.succeeded(); // a success ends the streak
  b.failed('x');
  b.failed('x');
  assert.equal(b.state, 'closed');
  b.failed('x');
  assert.equal(b.state, 'open');
  assert.equal(b.allows(), false);
  now = 999;
  assert.equal(b.probeDue(), false);
  now = 1000;
  assert.equal(b.probeDue(), true);
  assert.equal(b.probeDue(), false, 'one probe at a time');
  assert.equal(b.allows(), false, 'requests stay off while the probe runs');
  b.probed(false, 'still down');
  assert.equal(b.state, 'open');
  now = 1999;
  assert.equal(b.probeDue(), false, 'a failed probe starts another cooldown');
  now = 2000;
  assert.equal(b.probeDue(), true);
  b.probed(true);
  assert.equal(b.allows(), true);
  assert.deepEqual(changes, ['open', 'half-open', 'open', 'half-open', 'closed']);
});

/** A store whose answers the test scripts: `down` makes every call fail; calls are logged. */
function scriptedStore() {
  const calls: string[] = [];
  const data = new Map<string, unknown>();
  const state = { down: false };
  const op = async <T>(name: string, value: () => T): Promise<T> => {
    calls.push(name);
    if (state.down) throw new Error('connection is closed');
    return value();
  };
  const store: ProbedStore = {
    kind: 'redis',
    get: (key, field) => op(`get ${key}`, () => data.get(`${key}/${field}`)),
    token: () => op('token', () => '0' as FillToken),
    fill: (key, field, value) => op(`fill ${key}`, () => void data.set(`${key}/${field}`, value)),
    invalidate: (keys) => op(`invalidate ${keys.join(',')}`, () => { for (const k of keys) for (const d of [...data.keys()]) if (d.startsWith(`${k}/`)) data.delete(d); }),
    ping: () => op('ping', () => undefined),
    clear: () => op('clear', () => data.clear()),
    close: async () => {},
  };
  return { store, calls, data, state };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test('a failing store is bypassed; at the threshold nothing reaches it until the probe, which closes the circuit', async () => {
  let now = 0;
  const { store, calls, state } = scriptedStore();
  const metrics = createMetrics({ defaults: false });
  const g = new GuardedStore(store, { failureThreshold: 2, cooldownMs: 1000, now: () => now, metrics });
  state.down = true;
  assert.equal(await g.get('user:1', ''), undefined);
  assert.equal(await g.token('user:1'), 'bypass');
  assert.equal(g.circuit, 'open');
  assert.equal(metrics.cacheCircuitSource(), 1);
  calls.length = 0;
  for (let i = 0; i < 10; i++) assert.equal(await g.get('user:1', ''), undefined);
  await g.fill('user:1', '', { u: 1 }, 'bypass');
  assert.deepEqual(calls, [], 'nothing reaches the store while open');
  assert.equal(await g.check(), 'degraded');
  state.down = false;
  now = 1000;
  assert.equal(await g.check(), 'ok', 'the due probe closes the circuit');
  assert.equal(g.circuit, 'closed');
  assert.equal(metrics.cacheCircuitSource(), 0);
  const text = await metrics.registry.metrics();
  assert.match(text, /^cache_circuit_opens_total 1$/m);
  assert.match(text, /^cache_errors_total\{kind="error"\} 2$/m);
  assert.match(text, /^cache_bypassed_total\{reason="circuit_open"\} 10$/m);
});

test('a failed invalidation opens the circuit at once and is replayed by the probe before any read', async () => {
  let now = 0;
  const { store, calls, data, state } = scriptedStore();
  const g = new GuardedStore(store, { failureThreshold: 100, cooldownMs: 1000, now: () => now });
  await g.fill('clients:1', 'p1', ['old'], await g.token('clients:1'));
  state.down = true;
  await g.invalidate(['clients:1']);
  assert.equal(g.circuit, 'open', 'one lost invalidation is enough');
  await g.invalidate(['clients:2']); // while open: remembered, not attempted
  state.down = false;
  assert.equal(await g.get('clients:1', 'p1'), undefined, 'the stale entry is never read while open');
  calls.length = 0;
  now = 1000;
  await g.get('clients:1', 'p1'); // bypassed; starts the probe
  await settle();
  assert.deepEqual(calls, ['invalidate clients:1,clients:2', 'ping']);
  assert.equal(g.circuit, 'closed');
  assert.equal(data.has('clients:1/p1'), false);
});

test('past the bound of remembered keys, the probe clears the whole cache instead', async () => {
  let now = 0;
  const { store, calls, state } = scriptedStore();
  const g = new GuardedStore(store, { cooldownMs: 10, now: () => now });
  state.down = true;
  await g.invalidate(['user:0']);
  for (let i = 1; i <= MAX_PENDING_KEYS; i++) await g.invalidate([`user:${i}`]);
  state.down = false;
  calls.length = 0;
  now = 10;
  assert.equal(await g.check(), 'ok');
  assert.deepEqual(calls.slice(0, 2), ['clear', 'ping']);
});

test('an operation slower than the timeout is abandoned and counted as a timeout', async () => {
  const { store } = scriptedStore();
  const metrics = createMetrics({ defaults: false });
  const hung: ProbedStore = { ...store, get: () => new Promise(() => {}) };
  const g = new GuardedStore(hung, { timeoutMs: 20, metrics });
  assert.equal(await g.get('ar:1', ''), undefined);
  assert.match(await metrics.registry.metrics(), /^cache_errors_total\{kind="timeout"\} 1$/m);
});
