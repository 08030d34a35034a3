-- The first pacing of goal 4's wrk reference, kept only for bench/scripts/goal4-wire.sh to show why it was
-- replaced: each connection waits 50 ms after each response, so 10 connections give ~190 req/s, sent in bursts
-- (they start together and ae's 1 ms timers keep them together). Use wrk-paced.lua for measurements.
function delay()
  return 50
end
