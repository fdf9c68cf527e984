#!/usr/bin/env bash
# BENCHMARKS.md "Keystroke latency": sessions typing --rate keys/s each against an echo server in
# another process, for each session count given; keystroke-to-echo latency measured by the
# generator (HdrHistogram, corrected for coordinated omission). Loopback only; bounded in time.
# Usage: loadtest/scripts/typing-latency.sh [DURATION=60s] [COUNTS="1 100 1000"] [REPORT_DIR=target/typing-latency]
# Env: RATE (keys/s, default 10); SERVER_JAVA_OPTS and BENCH_JAVA_OPTS (JVM options of the server and the
#      generator, e.g. a profiler agent: loadtest/scripts/profile-typing.sh); after the runs the server's own
#      keystroke-to-echo timer is saved from its /metrics as server-metrics.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-60s}
counts=${2:-"1 100 1000"}
report=${3:-target/typing-latency}
mkdir -p "$report"
ulimit -n 20000
# Run a copy of the jar: a rebuild during the run must not pull classes from under running JVMs.
./webrepl --version >/dev/null
cp server/target/webrepl.jar "$report/webrepl.jar"
jar="$report/webrepl.jar"
export WEBREPL_PASSWORD=typing-bench
# shellcheck disable=SC2086  # the options are split on purpose
java ${SERVER_JAVA_OPTS:-} -jar "$jar" serve --engine echo --port 0 --admin-port 0 --idle-timeout 0 --linger 0 --max-sessions 5000 \
  --max-connections-per-address 5000 \
  >"$report/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
port=
for _ in $(seq 1 120); do   # at most 60 s for the banner
  port=$(sed -n 's#^webrepl serving ws://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$report/serve.log")
  [ -n "$port" ] && break
  sleep 0.5
done
[ -n "$port" ] || { echo "server did not start"; cat "$report/serve.log"; exit 1; }
for n in $counts; do
  # shellcheck disable=SC2086
  java ${BENCH_JAVA_OPTS:-} -jar "$jar" bench --scenario typing --sessions "$n" --rate "${RATE:-10}" --ramp-up 10s --duration "$duration" --quiet \
    --target "ws://127.0.0.1:$port/" --report "$report/$n" | head -1
  python3 - "$report/$n/report.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l = d["latency"]
print(f"  {d['plan']['sessions']} sessions: {l['count']} keys, p50 {l['p50']:.0f} µs, p99 {l['p99']:.0f} µs, "
      f"p99.9 {l['p99.9']:.0f} µs, max {l['max']:.0f} µs; sessions lost {d['sessions']['lost']}, errors {sum(d['errors'].values())}")
PY
done
admin=$(sed -n 's#^admin http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$report/serve.log")
if [ -n "$admin" ]; then
  curl -sf "http://127.0.0.1:$admin/metrics" | grep '^webrepl_keystroke_echo_seconds' >"$report/server-metrics.txt" || true
fi
