#!/usr/bin/env bash
# BENCHMARKS.md "Sandbox": keystroke-to-echo latency of one typing session of a sandboxed /bin/sh, alone
# (after a warm-up run) and while another session of the same server runs CPU hogs (three busy loops) held to --limit-cpu.
# Loopback only; bounded in time (the hog session is closed after the second run).
# Usage: loadtest/scripts/cpu-hog-latency.sh [DURATION=20s] [CPU=0.5] [REPORT_DIR=target/cpu-hog-latency]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-20s}
cpu=${2:-0.5}
report=${3:-target/cpu-hog-latency}
rm -rf "${report:?}" && mkdir -p "$report"
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
export WEBREPL_PASSWORD=hog-bench
start_server "$report/serve.log" -- --engine process --command /bin/sh --sandbox bwrap --limit-cpu "$cpu" \
  --idle-timeout 0 --linger 0
grep '^sandbox:' "$report/serve.log"
typing() {
  java -jar "$jar" bench --scenario typing --engine-hint process --sessions 1 --rate 10 --ramp-up 1s \
    --duration "$duration" --quiet --target "ws://127.0.0.1:$port/" --report "$report/$1" >/dev/null || true
  python3 - "$report/$1/report.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l = d["latency"]
print(f"  {sys.argv[2]}: {l['count']} keys, p50 {l['p50'] / 1000:.2f} ms, p99 {l['p99'] / 1000:.2f} ms, "
      f"max {l['max'] / 1000:.1f} ms; errors {sum(d['errors'].values())}")
PY
}
# A first run warms the server up (JIT), so that "alone" is not its cold start; its figures are not used.
typing warm-up >/dev/null
typing alone
# The hog: a session of the same server typing three busy loops, held open until killed.
python3 - "$port" "$WEBREPL_PASSWORD" <<'PY' &
import sys, time
sys.path.insert(0, "loadtest/scripts")
from flood_client import connect, frame, read_until
s = connect(int(sys.argv[1]))
read_until(s, b"Password: ")
s.sendall(frame(0x1, sys.argv[2].encode() + b"\r"))
read_until(s, b"connected")   # the shell prompt is "$ " or "# " (uid 0 in its user namespace): input waits for the shell anyway
s.sendall(frame(0x1, b"(while :; do :; done) & (while :; do :; done) & (while :; do :; done) & wait\r"))
while True:
    if not s.recv(65536):
        break
PY
hog=$!
sleep 3
typing with-hog
kill "$hog" 2>/dev/null || true
wait "$hog" 2>/dev/null || true
