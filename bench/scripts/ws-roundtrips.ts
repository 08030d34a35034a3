/**
 * Goal 8's WebSocket generator: `MODE URL CONNECTIONS SECONDS` keeps CONNECTIONS connections each in a closed loop
 * of round trips (send a message, await the echo) and prints `{"roundTrips":N,"seconds":S}`. MODE `client` goes
 * through `this.client.ws()` (a session, recorded in a StatsSet as in a run); `bare` through undici's WebSocket
 * directly, with nothing recorded: the ceiling of the same client library.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import { createHttpSession } from '../../packages/stampede/src/http/session.ts';
import { StatsSet } from '../../packages/stampede/src/stats/stats-set.ts';

const [mode, url, connections, seconds] = process.argv.slice(2);
const { WebSocket } = createRequire(import.meta.url)('undici') as typeof Undici;
const MESSAGE = 'hello world';

async function clientLoop(until: number): Promise<number> {
  const session = createHttpSession({ baseUrl: url!.replace(/^ws/, 'http'), recorder: new StatsSet() });
  const ws = await session.ws('/echo');
  let n = 0;
  while (performance.now() < until) {
    await ws.request(MESSAGE, { name: 'echo' });
    n++;
  }
  await ws.close();
  await session.close();
  return n;
}

async function bareLoop(until: number): Promise<number> {
  const ws = new WebSocket(`${url}/echo`);
  await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
  let n = 0;
  let answered: () => void = () => {};
  ws.addEventListener('message', () => answered());
  while (performance.now() < until) {
    const echo = new Promise<void>((resolve) => (answered = resolve));
    ws.send(MESSAGE);
    await echo;
    n++;
  }
  ws.close();
  return n;
}

const loop = mode === 'client' ? clientLoop : bareLoop;
// Half a second of warm-up (JIT), then the measured window.
await Promise.all(Array.from({ length: Number(connections) }, () => loop(performance.now() + 500)));
const start = performance.now();
const counts = await Promise.all(Array.from({ length: Number(connections) }, () => loop(start + Number(seconds) * 1000)));
const elapsed = (performance.now() - start) / 1000;
process.stdout.write(`${JSON.stringify({ roundTrips: counts.reduce((a, b) => a + b, 0), seconds: elapsed })}\n`);
