// Regression, issue #6: an in-process thread said 'ready' before the runner listened, and runUsers() hung.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessUserThread } from '../../src/runner/in-process-thread.ts';
import { HttpUser, task } from '../../src/index.ts';

class Idle extends HttpUser {
  @task async nothing() {}
}

test('a listener added after the in-process thread became ready still hears ready', async () => {
  const thread = new InProcessUserThread({ threadId: 7, logLevel: 'error', maxNames: 10, seed: 1, host: 'http://127.0.0.1:1' }, [Idle]);
  await new Promise((r) => setTimeout(r, 5));
  const heard = await new Promise<string>((resolve) => thread.onMessage((m) => resolve(`${m.type} ${'threadId' in m ? m.threadId : ''}`)));
  assert.equal(heard, 'ready 7');
  await thread.terminate();
});
