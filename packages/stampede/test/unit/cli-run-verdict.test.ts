// Issue #18: a run where requests failed exits 1 (Locust), --exit-code-on-error N changes that code (0 ignores
// failures, k6's habit), and a run where no request completed exits 1 whatever the flag says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestVerdict } from '../../src/cli/run-verdict.ts';

test('a clean run is 0 with no reason', () => {
  assert.deepEqual(requestVerdict({ requests: 10, failures: 0, exceptions: 0 }, 1), { code: 0 });
});

test('failed requests give the --exit-code-on-error code, 1 by default', () => {
  const v = requestVerdict({ requests: 10, failures: 10, exceptions: 0 }, 1);
  assert.equal(v.code, 1);
  assert.match(v.reason!, /^10 of 10 requests failed/);
  assert.equal(requestVerdict({ requests: 10, failures: 1, exceptions: 0 }, 7).code, 7);
  const ignored = requestVerdict({ requests: 10, failures: 3, exceptions: 0 }, 0);
  assert.equal(ignored.code, 0);
  assert.match(ignored.reason!, /ignored/);
});

test('exceptions count as errors, as in Locust', () => {
  const v = requestVerdict({ requests: 5, failures: 0, exceptions: 2 }, 1);
  assert.equal(v.code, 1);
  assert.match(v.reason!, /2 exceptions/);
});

test('no request completed is 1 whatever --exit-code-on-error says, with the reason', () => {
  for (const code of [0, 1, 9]) {
    const v = requestVerdict({ requests: 0, failures: 0, exceptions: 3 }, code);
    assert.equal(v.code, 1);
    assert.match(v.reason!, /^no request completed: 3 exceptions and nothing sent/);
  }
  assert.match(requestVerdict({ requests: 0, failures: 0, exceptions: 0 }, 0).reason!, /no request completed: the users sent nothing/);
});
