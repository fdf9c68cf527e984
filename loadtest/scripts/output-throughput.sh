#!/usr/bin/env bash
# BENCHMARKS.md "Output throughput": one session of `serve --engine flood` in its own JVM, read by the
# load generator in another: the session alone (--scenario flood), then watched by M read-only
# terminals (--scenario viewers --writer flood; the writer's next command waits until every viewer
# has the output, so the group moves at its slowest terminal). Reports MB/s from the generator's
# per-second byte counts: the median second after the first WARMUP seconds. Loopback only; bounded.
# Usage: loadtest/scripts/output-throughput.sh [DURATION=30s] [VIEWERS="0 10 100"] [REPORT_DIR=target/output-throughput]
# Env: SIZE (bytes per command, default 1000000: below serve's 4 MiB --output-cap), WARMUP (seconds, default 5),
#      ROUNDS (default 1: each viewer count once per round, in the order given).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-30s}
counts=${2:-"0 10 100"}
report=${3:-target/output-throughput}
size=${SIZE:-1000000}
mkdir -p "$report"
ulimit -n 20000
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
export WEBREPL_PASSWORD=output-bench
start_server "$report/serve.log" -- --engine flood --root "$report/files" --idle-timeout 0 --linger 0 \
  --max-terminals 1000 --max-connections-per-address 1000
echo "| round | viewers | terminals | MB/s all terminals | MB/s per terminal | commands | viewers with every byte | lost | errors |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for round in $(seq 1 "${ROUNDS:-1}"); do
  for m in $counts; do
    out="$report/r$round-v$m"
    if [ "$m" = 0 ]; then
      scenario=(--scenario flood)
    else
      scenario=(--scenario viewers --writer flood --viewers "$m")
    fi
    java -jar "$jar" bench "${scenario[@]}" --engine-hint flood --sessions 1 --size "$size" --ramp-up 1s \
      --duration "$duration" --quiet --max-connections 2000 --target "ws://127.0.0.1:$port/" --report "$out" \
      >"$out.log" 2>&1 || true
    python3 - "$out/report.json" "$round" "$m" "${WARMUP:-5}" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
m, warmup = int(sys.argv[3]), int(sys.argv[4])
seconds = [s["bytesPerSecond"] for s in d["series"]][warmup:-1]   # the last entry is a partial second
all_mb = statistics.median(seconds) / 1e6
v = d.get("viewers", {})
print(f"| {sys.argv[2]} | {m} | {m + 1} | {all_mb:.0f} | {all_mb / (m + 1):.1f} | {d['responses']} | "
      f"{v.get('viewersMatchingWriter', '-')} | {d['sessions']['lost']} | {sum(d['errors'].values())} |")
PY
  done
done
