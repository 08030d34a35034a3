#!/bin/bash
# Goal 4's ground truth (issue 11): runs wrk with a fixed delay (the old pacing), wrk paced evenly
# (wrk-paced.lua) and `stampede quick --rate 200` against the node:http hello server, each while dumpcap
# captures the loopback, and prints each tool's own p50/p99 beside the wire's (wire-latency.mjs).
# Usage (root or CAP_NET_RAW, Debian's tshark installed): bash bench/scripts/goal4-wire.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
seconds=${2:-10}
work=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
taskset -c 1 node bench/scripts/hello-server.mjs "$port" & hello=$!
trap 'kill $hello 2>/dev/null; rm -rf "$work"' EXIT
sleep 0.5
url="http://127.0.0.1:$port/"

capture() { # NAME COMMAND... → prints the wire JSON; the command's output goes to $work/NAME.out
  local name=$1; shift
  taskset -c 0 dumpcap -q -i lo -f "tcp port $port" -w "$work/$name.pcapng" 2>/dev/null & local cap=$!
  sleep 1
  taskset -c 0 "$@" > "$work/$name.out" 2>&1
  sleep 0.5
  kill $cap; wait $cap 2>/dev/null || true
  node bench/scripts/wire-latency.mjs "$work/$name.pcapng" "$port"
}
wrk_line() { # NAME LABEL WIRE
  printf '%-24s tool p50 %-9s p99 %-9s %s req/s | wire %s\n' "$2" \
    "$(awk '$1=="50%"{print $2}' "$work/$1.out")" "$(awk '$1=="99%"{print $2}' "$work/$1.out")" \
    "$(awk '/Requests\/sec/{print $2}' "$work/$1.out")" "$3"
}
for r in $(seq 1 "$rounds"); do
  echo "round $r, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  w=$(capture fixed$r wrk -t1 -c10 -d"${seconds}s" --latency -s bench/scripts/wrk-fixed-delay.lua "$url")
  wrk_line fixed$r "wrk, fixed 50 ms delay" "$w"
  w=$(capture even$r wrk -t1 -c10 -d"${seconds}s" --latency -s bench/scripts/wrk-paced.lua "$url" -- 200)
  wrk_line even$r "wrk, wrk-paced.lua" "$w"
  w=$(capture quick$r node packages/stampede/bin/stampede.js quick "$url" -c 10 -d "${seconds}s" --rate 200 --threads 1 --json "$work/quick$r.json")
  printf '%-24s tool %s | wire %s\n' "stampede quick --rate" \
    "$(node -e "const t=require('$work/quick$r.json').totals;console.log('p50',t.latency_ms.p50,'ms p99',t.latency_ms.p99,'ms',t.rps,'req/s')")" "$w"
done
