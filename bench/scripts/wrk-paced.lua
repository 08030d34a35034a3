-- Reference of goal 4 (issue 11): wrk at a fixed rate, spaced evenly. Usage: wrk -t1 -cN -s wrk-paced.lua URL [-- RATE]
-- (RATE in requests/s per wrk thread, default 200).
--
-- Debian's wrk 4.1 has no -R. Its delay() is called on each connection before every request (the first one
-- included) and the connection then waits that many ms. A constant delay() (the first version of this file:
-- 50 ms after each response) starts all connections together and keeps them together: ae timers have 1 ms
-- resolution, so connections whose responses end within the same ms fire in the same tick. A loopback capture
-- (docs/performance.md, "Latency truth") showed 75 % of wrk's requests sent < 0.5 ms after the previous one,
-- queueing behind each other at a single-threaded target — which inflated wrk's p50 by the queue, not by its
-- clock. Here every call of delay() takes the next slot of one evenly spaced schedule (1000/RATE ms apart) shared
-- by all of the thread's connections, so requests leave one by one as `stampede quick --rate` sends them. A slot
-- already past (a slow response) is sent at once, as our pacer does. The clock is CLOCK_MONOTONIC through LuaJIT's
-- FFI (wrk's Lua has no ms clock); delays are whole ms (ae's resolution), so a send is within ~1 ms of its slot.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } stampede_timespec;
int clock_gettime(int clock_id, stampede_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("stampede_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local interval_ms = 5
local next_slot_ms = nil

function init(args)
  local rate = tonumber(args[1]) or 200
  interval_ms = 1000 / rate
end

function delay()
  local now = now_ms()
  if next_slot_ms == nil then next_slot_ms = now end
  local slot = next_slot_ms
  next_slot_ms = next_slot_ms + interval_ms
  local wait = slot - now
  if wait <= 0 then return 0 end
  return math.floor(wait + 0.5)
end
