/** The raw mode's open-model schedule, on a fake clock: exact slots, interleaved threads, sleep-then-poll (issue 11). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pacer, type PacerTimers } from '../../src/runner/pacer.ts';
import { buildRequest } from '../../src/http/lean/request-head.ts';

function fakeTimers() {
  const calls: Array<{ kind: 'timeout' | 'immediate'; ms: number }> = [];
  let now = 0;
  const timers: PacerTimers = {
    now: () => now,
    setTimeout: (_fn, ms) => calls.push({ kind: 'timeout', ms }),
    setImmediate: () => calls.push({ kind: 'immediate', ms: 0 }),
  };
  return { timers, calls, set: (t: number) => (now = t) };
}

describe('lean pacer', () => {
  it('hands out slots at exact intervals from the clock, never early', () => {
    const { timers } = fakeTimers();
    const pacer = new Pacer({ firstSlotMs: 100, intervalMs: 5, endMs: 120 }, () => {}, timers);
    assert.ok(Number.isNaN(pacer.take(99.9)));
    assert.equal(pacer.take(100), 100);
    assert.ok(Number.isNaN(pacer.take(104.99)));
    // Late: the backlog is handed out at once, each slot with its own intended time.
    assert.deepEqual([pacer.take(200), pacer.take(200), pacer.take(200)], [105, 110, 115]);
    assert.ok(Number.isNaN(pacer.take(200)), 'no slot at or after the end');
    assert.ok(pacer.finished);
    assert.equal(pacer.taken, 4);
  });

  it('interleaves threads: thread i of T takes every T-th slot', () => {
    const { timers } = fakeTimers();
    const slots: number[] = [];
    for (let thread = 0; thread < 3; thread++) {
      const p = new Pacer({ firstSlotMs: thread * 2, intervalMs: 2, stride: 3, endMs: 20 }, () => {}, timers);
      for (let s = p.take(1e9); !Number.isNaN(s); s = p.take(1e9)) slots.push(s);
    }
    assert.deepEqual(slots.sort((a, b) => a - b), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('with spinMs, sleeps until spinMs before a far slot, polls for a near one, arms once', () => {
    const { timers, calls } = fakeTimers();
    const pacer = new Pacer({ firstSlotMs: 10, intervalMs: 10, endMs: 1000, spinMs: 1 }, () => {}, timers);
    pacer.arm(0);
    pacer.arm(0);
    assert.deepEqual(calls, [{ kind: 'timeout', ms: 9 }]);
    const near = new Pacer({ firstSlotMs: 10, intervalMs: 10, endMs: 1000, spinMs: 1 }, () => {}, timers);
    near.arm(9.5);
    assert.deepEqual(calls.at(-1), { kind: 'immediate', ms: 0 });
  });

  it('by default sleeps all the way to the slot, and wakes at once for a due one', () => {
    const { timers, calls } = fakeTimers();
    const pacer = new Pacer({ firstSlotMs: 10, intervalMs: 10, endMs: 1000 }, () => {}, timers);
    pacer.arm(9.5);
    assert.deepEqual(calls, [{ kind: 'timeout', ms: 0.5 }]);
    const due = new Pacer({ firstSlotMs: 10, intervalMs: 10, endMs: 1000 }, () => {}, timers);
    due.arm(10);
    assert.deepEqual(calls.at(-1), { kind: 'immediate', ms: 0 });
  });

  it('stop() ends the schedule', () => {
    const { timers } = fakeTimers();
    const pacer = new Pacer({ firstSlotMs: 0, intervalMs: 1, endMs: 1000 }, () => {}, timers);
    pacer.stop();
    assert.ok(Number.isNaN(pacer.take(10)));
    assert.ok(pacer.finished);
  });
});

describe('lean request head', () => {
  it('serialises once: request line, host, user headers, length for bodies', () => {
    const req = buildRequest('POST', '/x?y=1', '127.0.0.1:80', ['X-A', 'b', 'content-length', '99'], '{"a":1}');
    assert.equal(req.toString('latin1'), 'POST /x?y=1 HTTP/1.1\r\nhost: 127.0.0.1:80\r\nX-A: b\r\ncontent-length: 7\r\n\r\n{"a":1}');
    assert.equal(buildRequest('GET', '/', 'h', []).toString(), 'GET / HTTP/1.1\r\nhost: h\r\n\r\n');
    assert.equal(buildRequest('DELETE', '/', 'h', ['Host', 'other']).toString(), 'DELETE / HTTP/1.1\r\nhost: other\r\ncontent-length: 0\r\n\r\n');
  });

  it('refuses header injection', () => {
    assert.throws(() => buildRequest('GET', '/', 'h', ['x', 'a\r\nb: c']), TypeError);
    assert.throws(() => buildRequest('GET', '/a b', 'h', []), TypeError);
    assert.throws(() => buildRequest('G T', '/', 'h', []), TypeError);
  });
});
