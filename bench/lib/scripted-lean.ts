/**
 * Goal 2 harness: the one-task HttpUser run exactly as a runner thread runs it (runUser, one StatsSet, one
 * thread-shared dispatcher), but with the lean dispatcher — what `stampede -f` measures once
 * src/runner/user-host.ts calls createLeanDispatcher() (the one-line change proposed in docs/performance.md).
 * Usage: node --import tsx bench/lib/scripted-lean.ts URL USERS SECONDS [lean|undici]  → one JSON line.
 */
import { createDispatcher } from '../../packages/stampede/src/http/dispatcher.ts';
import { createLeanDispatcher } from '../../packages/stampede/src/http/lean/lean-agent.ts';
import { createHttpSession } from '../../packages/stampede/src/http/session.ts';
import { systemClock } from '../../packages/stampede/src/clock.ts';
import { StatsSet } from '../../packages/stampede/src/stats/stats-set.ts';
import { createRandom, userSeed } from '../../packages/stampede/src/user/random.ts';
import { runUser } from '../../packages/stampede/src/user/user-runner.ts';
import { OneTask } from '../scripts/one-task-user.ts';

const [url = '', usersArg = '50', secondsArg = '10', kind = 'lean'] = process.argv.slice(2);
const users = Number(usersArg);
const seconds = Number(secondsArg);
const dispatcher = kind === 'lean' ? createLeanDispatcher() : createDispatcher();
const stats = new StatsSet();
const stop = new AbortController();
const logger = { log: () => {} };
const startMs = performance.now();
const done = Array.from({ length: users }, (_, i) =>
  runUser(OneTask, {
    clock: systemClock,
    logger,
    recorder: stats,
    session: createHttpSession({ baseUrl: url, recorder: stats, dispatcher }),
    host: url,
    signal: stop.signal,
    rng: createRandom(userSeed(1, i)),
    userIndex: i,
  }),
);
setTimeout(() => stop.abort(), seconds * 1000);
await Promise.all(done);
const elapsedS = (performance.now() - startMs) / 1000;
await dispatcher.destroy();
const delta = stats.snapshot();
const requests = delta.endpoints.reduce((n, e) => n + e.requests, 0);
const failures = delta.endpoints.reduce((n, e) => n + e.failures, 0);
console.log(JSON.stringify({ kind, users, requests, failures, rps: requests / elapsedS }));
process.exit(0);
