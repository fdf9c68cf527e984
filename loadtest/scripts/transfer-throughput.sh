#!/usr/bin/env bash
# BENCHMARKS.md "File transfer": PUT and GET of one SIZE-byte file by the load generator in its own JVM
# against `webrepl serve` in another, once with the server's default GET chunk and once with the
# reference's 256-byte chunks (MicroPython's; one round trip per chunk). Each run moves the file ROUNDS
# times or more (the generator repeats the transfer until its duration is over, then finishes the one in
# progress); MB/s is SIZE over each transfer's time as the generator timed it. Loopback only; bounded.
# Usage: loadtest/scripts/transfer-throughput.sh [SIZE=100000000] [REPORT_DIR=target/transfer-throughput]
# Env: CHUNKS (GET chunk sizes, default "65533 256"), DURATION (per run, default 10s: the first transfers of a fresh JVM are slower).
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-100000000}
report=${2:-target/transfer-throughput}
mkdir -p "$report"
ulimit -n 20000
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
export WEBREPL_PASSWORD=transfer-bench
echo "| operation | server GET chunk | transfers | median MB/s | min–max MB/s | median time |"
echo "|---|---:|---:|---:|---:|---:|"
for chunk in ${CHUNKS:-65533 256}; do
  rm -rf "$report/files-$chunk"
  start_server "$report/serve-$chunk.log" -- --engine echo --root "$report/files-$chunk" --get-chunk "$chunk" \
    --idle-timeout 0 --linger 0
  for op in put get; do
    out="$report/$op-$chunk"
    # A 256-byte-chunk GET of 100 MB takes about half a minute: the answer timeout leaves room for it.
    java -jar "$jar" bench --scenario "$op" --sessions 1 --size "$size" --ramp-up 1s --duration "${DURATION:-10s}" \
      --request-timeout 600s --quiet --target "ws://127.0.0.1:$port/" --report "$out" >"$out.log" 2>&1 \
      || { cat "$out.log"; exit 1; }
    python3 - "$out/report.json" "$op" "$chunk" "$size" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
op, chunk, size = sys.argv[2], sys.argv[3], int(sys.argv[4])
l = d["latency"]
p = dict((q, v) for q, v in l["percentiles"])   # microseconds per transfer
mb = lambda us: size / (us / 1e6) / 1e6
assert d["scenarios"][op]["fileBytes"] == size * d["scenarios"][op]["responses"], "bytes moved != size x answers"
print(f"| {op.upper()} | {chunk} | {l['count']} | {mb(p[50.0]):.1f} | {mb(p[100.0]):.1f}–{mb(p[0.0]):.1f} | "
      f"{p[50.0] / 1e6:.2f} s |")
PY
  done
  stop_server
done
