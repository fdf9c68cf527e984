#!/usr/bin/env bash
# BENCHMARKS.md "Input flood": one client logs in and types MBYTES of lines into the echo engine,
# reading the echo. Server RSS is sampled from /proc every 0.2 s (peak and growth over the idle,
# warmed-up server); allocation is the JVM's own count (jvm_gc_memory_allocated_bytes_total from the
# admin listener, after a forced GC so it includes everything allocated), divided by the bytes relayed
# (typed plus received). The ping flood is loadtest/scripts/ping-flood.sh. Loopback only, bounded.
# Usage: loadtest/scripts/input-flood.sh [MBYTES=300] [REPORT_DIR=target/input-flood]
# Env: LINE (bytes per typed line, Enter included; default 80), JAR (a jar to measure instead of this
# tree's, e.g. an earlier build), JVM_OPTS (the server JVM's options; default none: the JVM's defaults).
set -euo pipefail
cd "$(dirname "$0")/../.."
mbytes=${1:-300}
report=${2:-target/input-flood}
line=${LINE:-80}
mkdir -p "$report"
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
export WEBREPL_PASSWORD=flood-bench
read -r -a jvm <<<"${JVM_OPTS:-}"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0; }
allocated() {   # bytes the JVM has allocated so far (counted at GCs: force one first)
  jcmd "$server" GC.run >/dev/null
  curl -s "http://127.0.0.1:$admin/metrics" | awk '/^jvm_gc_memory_allocated_bytes_total/ {printf "%.0f\n", $2}'
}

start_server "$report/serve.log" "${jvm[@]}" -- --engine echo --root "$report/files" --idle-timeout 0 --linger 0
# Warm up: a small flood, so class loading and JIT are not counted as the flood's growth.
python3 loadtest/scripts/flood_client.py "$port" 5 "$WEBREPL_PASSWORD" "$line" >/dev/null
jcmd "$server" GC.run >/dev/null
before=$(rss_kb)
a0=$(allocated)
python3 loadtest/scripts/flood_client.py "$port" "$mbytes" "$WEBREPL_PASSWORD" "$line" >"$report/client.txt" &
client=$!
peak=0
while kill -0 "$client" 2>/dev/null; do
  r=$(rss_kb); [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.2
done
wait "$client"
a1=$(allocated)
out=$(cat "$report/client.txt")
relayed=$(sed -n 's/.*sent_bytes=\([0-9]*\) received_bytes=\([0-9]*\).*/\1 \2/p' <<<"$out" | awk '{print $1 + $2}')
echo "input flood: $out"
echo "rss_before_mb=$((before / 1024)) rss_peak_mb=$((peak / 1024)) growth_mb=$(((peak - before) / 1024))"
python3 -c "import sys; a=int(sys.argv[1]); r=int(sys.argv[2]); print('allocated_mb=%.0f relayed_mb=%.0f bytes_allocated_per_byte_relayed=%.2f' % (a/1e6, r/1e6, a/r))" \
  "$((a1 - a0))" "$relayed"
jcmd "$server" GC.run >/dev/null
echo "heap_after_gc: $(jcmd "$server" GC.heap_info | awk '/used/ {print $0; exit}' | sed 's/^ *//')"
stop_server
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
