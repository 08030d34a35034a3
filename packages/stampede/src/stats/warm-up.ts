/**
 * Runs the once-a-second statistics path — record, snapshot (encode), merge (decode, add), tick — a few hundred
 * times on throwaway objects before a run starts, so V8 has optimized it by the first real second. A 10 s run
 * otherwise executes it ten times, interpreted: 2–8 ms each second on the thread that also sends and receives,
 * which at 200 req/s is where the p99 tail came from (issue 11 goal 4). Costs ~20–40 ms once, before the clock
 * starts.
 */
import { Aggregate } from './aggregate.ts';
import { StatsSet } from './stats-set.ts';

export function warmStatsPath(rounds = 200): Aggregate {
  const stats = new StatsSet({});
  const aggregate = new Aggregate();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 25; i++) {
      const us = 80 + ((r * 7919 + i * 104729) % 20_000);
      stats.record('GET', 'warm-up', us, 100, undefined, us + (i % 3) * 50);
    }
    aggregate.merge(stats.snapshot());
    aggregate.tick(r + 1, 1);
  }
  return aggregate;
}
