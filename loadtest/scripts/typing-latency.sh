#!/usr/bin/env bash
# BENCHMARKS.md "Keystroke latency": sessions typing --rate keys/s each against an echo server in
# another process, for each session count given, one after another against the same server;
# keystroke-to-echo latency measured by the generator (HdrHistogram, corrected for coordinated
# omission) and, beside it, by the server's own timer (frame in to echo written; from its /metrics
# before and after each run). Loopback only; bounded in time.
# Usage: loadtest/scripts/typing-latency.sh [DURATION=60s] [COUNTS="1 100 1000"] [REPORT_DIR=target/typing-latency]
#   A count may repeat ("1 1000 1": the last run meets a server the 1000 sessions warmed up); run K of
#   count N reports into REPORT_DIR/N, or REPORT_DIR/N-K if N ran before.
# Env: RATE (keys/s, default 10); SERVER_JAVA_OPTS and BENCH_JAVA_OPTS (JVM options of the server and of
#      each generator run, e.g. a profiler agent).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-60s}
counts=${2:-"1 100 1000"}
report=${3:-target/typing-latency}
mkdir -p "$report"
for n in $counts; do rm -rf "${report:?}/$n" "${report:?}/$n"-*; done
ulimit -n 20000
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
export WEBREPL_PASSWORD=typing-bench
# shellcheck disable=SC2086  # the options are split on purpose
start_server "$report/serve.log" ${SERVER_JAVA_OPTS:-} -- --engine echo --idle-timeout 0 --linger 0 \
  --max-sessions 5000 --max-connections-per-address 5000 --max-sessions-per-address 0
scrape() { curl -sf "http://127.0.0.1:$admin/metrics" | grep '^webrepl_keystroke_echo_seconds' >"$1" || true; }
scrape "$report/server-metrics-before.txt"
before="$report/server-metrics-before.txt"
k=0
for n in $counts; do
  k=$((k + 1))
  out="$report/$n"
  [ -e "$out/report.json" ] && out="$report/$n-$k"
  mkdir -p "$out"
  # shellcheck disable=SC2086
  java ${BENCH_JAVA_OPTS:-} -jar "$jar" bench --scenario typing --sessions "$n" --rate "${RATE:-10}" --ramp-up 10s \
    --duration "$duration" --quiet --target "ws://127.0.0.1:$port/" --report "$out" | head -1
  scrape "$out/server-metrics.txt"
  python3 - "$out/report.json" "$before" "$out/server-metrics.txt" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
l = d["latency"]
print(f"  {d['plan']['sessions']} sessions: {l['count']} keys, p50 {l['p50']:.0f} µs, p99 {l['p99']:.0f} µs, "
      f"p99.9 {l['p99.9']:.0f} µs, max {l['max']:.0f} µs; sessions lost {d['sessions']['lost']}, errors {sum(d['errors'].values())}")
def histogram(path):
    buckets, count = {}, 0.0
    for line in open(path):
        m = re.match(r'webrepl_keystroke_echo_seconds_bucket\{.*le="([^"]+)".*\} (\S+)', line)
        if m and m.group(1) != "+Inf":
            buckets[float(m.group(1))] = float(m.group(2))
        elif line.startswith("webrepl_keystroke_echo_seconds_count"):
            count = float(line.split()[-1])
    return buckets, count
b0, c0 = histogram(sys.argv[2])
b1, c1 = histogram(sys.argv[3])
n = c1 - c0
def upper(q):   # the histogram's bucket bound that holds quantile q of this run's keys
    for le in sorted(b1):
        if b1[le] - b0.get(le, 0) >= q * n:
            return f"{le * 1e6:.0f}"
    return "inf"
if n > 0:
    print(f"  server's own timer: {n:.0f} keys, p50 <= {upper(0.5)} µs, p99 <= {upper(0.99)} µs, p99.9 <= {upper(0.999)} µs")
PY
  before="$out/server-metrics.txt"
done
