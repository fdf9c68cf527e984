#!/usr/bin/env bash
# BENCHMARKS.md "Idle capacity": N logged-in echo sessions held for HOLD, the load generator in its
# own process (`webrepl bench --scenario idle`), the server in another. Prints the server's heap
# after a full GC and its RSS, before the sessions and while they are held, and the generator's
# summary (sessions opened, failed, lost). Loopback only; every step bounded in time.
# Usage: loadtest/scripts/idle-capacity.sh [N=19000] [HOLD=5m] [REPORT_DIR=target/idle-capacity]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-19000}
hold=${2:-5m}
report=${3:-target/idle-capacity}
mkdir -p "$report"
ulimit -n 20000
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
log="$report/serve.log"
export WEBREPL_PASSWORD=idle-bench
start_server "$log" -- --engine echo --max-sessions $((n + 100)) --idle-timeout 0 \
  --max-connections-per-address $((n + 100)) --max-sessions-per-address 0 --linger 0

heap() {  # used heap in bytes after a full GC, read from the server's own /metrics
  jcmd "$server" GC.run >/dev/null
  curl -s "http://127.0.0.1:$admin/metrics" \
    | awk '/^jvm_memory_used_bytes\{.*area="heap"/ {s += $NF} END {printf "%.0f", s}'
}
rss() { awk '/VmRSS/ {print $2 * 1024}' "/proc/$server/status"; }
sessions() { curl -s "http://127.0.0.1:$admin/metrics" | awk '/^webrepl_sessions_active/ {s += $NF} END {printf "%.0f", s}'; }

heap0=$(heap); rss0=$(rss)
echo "before: heap $heap0 B, RSS $rss0 B"
java -jar "$jar" bench --scenario idle --sessions "$n" --ramp-up 60s --duration "$hold" --quiet \
  --max-connections $((n + 100)) --source 127.0.0.2-127.0.0.9 --request-timeout 30s \
  --target "ws://127.0.0.1:$port/" --report "$report" >"$report/bench.out" 2>&1 &
gen=$!
for _ in $(seq 1 240); do  # at most 120 s for every session to be up
  [ "$(sessions)" -ge "$n" ] && break
  sleep 0.5
done
up=$(sessions)
heap1=$(heap); rss1=$(rss)
echo "held: $up sessions, heap $heap1 B, RSS $rss1 B"
awk -v a="$heap0" -v b="$heap1" -v c="$rss0" -v d="$rss1" -v n="$up" \
  'BEGIN {printf "per session: heap %.1f KB, RSS %.1f KB\n", (b - a) / n / 1000, (d - c) / n / 1000}'
wait $gen || true
echo "after the hold: $(sessions) sessions"
cat "$report/bench.out"
