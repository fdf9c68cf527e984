#!/usr/bin/env bash
# BENCHMARKS.md "Soak": `webrepl bench --scenario mixed` against N sessions for DURATION, the server
# and the generator in separate processes. Every minute: the server's heap after a full GC, its
# open file descriptors, threads and RSS, and its session count (one line each, to soak.tsv).
# Loopback only; bounded in time.
# Usage: [MIX=...] [RATE=5] [THINK=1s] loadtest/scripts/soak.sh [N=5000] [DURATION=30m] [DIR=target/soak]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-5000}
duration=${2:-30m}
report=${3:-target/soak}
mix=${MIX:-idle=60,typing=38,put=1,get=1}
mkdir -p "$report"
ulimit -n 20000
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
export WEBREPL_PASSWORD=soak-bench
start_server "$report/serve.log" -- --engine echo --max-sessions $((n + 100)) \
  --max-connections-per-address $((n + 100)) --max-sessions-per-address 0 --idle-timeout 0 --linger 0 --root "$report/files"
sample() {  # minute, sessions, heap after GC, fds, threads, RSS
  jcmd "$server" GC.run >/dev/null
  local m; m=$(curl -s "http://127.0.0.1:$admin/metrics")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" \
    "$(awk '/^webrepl_sessions_active/ {s += $NF} END {printf "%.0f", s}' <<<"$m")" \
    "$(awk '/^jvm_memory_used_bytes\{.*area="heap"/ {s += $NF} END {printf "%.0f", s}' <<<"$m")" \
    "$(ls "/proc/$server/fd" | wc -l)" \
    "$(awk '/^Threads/ {print $2}' "/proc/$server/status")" \
    "$(awk '/VmRSS/ {print $2 * 1024}' "/proc/$server/status")"
}
printf 'minute\tsessions\theap_bytes\tfds\tthreads\trss_bytes\n' >"$report/soak.tsv"
sample 0 >>"$report/soak.tsv"
java -jar "$jar" bench --scenario mixed --mix "$mix" --sessions "$n" --ramp-up 60s --duration "$duration" \
  --rate "${RATE:-5}" --think "${THINK:-1s}" \
  --quiet --max-connections $((n + 100)) --source 127.0.0.2-127.0.0.9 --request-timeout 30s \
  --target "ws://127.0.0.1:$port/" --report "$report" >"$report/bench.out" 2>&1 &
gen=$!
minute=0
while kill -0 "$gen" 2>/dev/null; do   # bounded by the generator's own deadline
  sleep 60
  minute=$((minute + 1))
  sample "$minute" >>"$report/soak.tsv"
done
wait "$gen" || true
sample end >>"$report/soak.tsv"
column -t "$report/soak.tsv"
cat "$report/bench.out"
