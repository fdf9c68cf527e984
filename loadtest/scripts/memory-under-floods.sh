#!/usr/bin/env bash
# BENCHMARKS.md "Memory under floods" (issue #15): server RSS while a client floods it, in two cases.
#  1. ping: one client sends 125-byte pings for SECONDS before logging in and never reads a byte.
#  2. input: one client logs in and types MBYTES of lines into the echo engine, reading the echo.
# RSS is sampled from /proc every 0.2 s (peak and growth over the idle server); allocation is the
# JVM's own count (jvm_gc_memory_allocated_bytes_total from the admin listener, after a forced GC so
# it includes everything allocated), divided by the bytes relayed (typed + echoed). Loopback only.
# Usage: loadtest/scripts/memory-under-floods.sh [SECONDS=15] [MBYTES=300] [REPORT_DIR=target/memory-under-floods]
# Env: LINE (bytes per typed line, Enter included; default 80), JAR (a jar to measure instead of this
# tree's, e.g. an earlier build), JVM_OPTS (the server JVM's options; default: none, the JVM's defaults, i.e. what `./webrepl serve` runs
# with unless WEBREPL_JAVA_OPTS says otherwise: the launcher's defaults are read from ./webrepl).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
mbytes=${2:-300}
report=${3:-target/memory-under-floods}
mkdir -p "$report"
source loadtest/scripts/serve-lib.sh
if [ -n "${JAR:-}" ]; then cp "$JAR" "$report/webrepl.jar"; jar="$report/webrepl.jar"; else copy_jar "$report"; fi
export WEBREPL_PASSWORD=flood-bench
read -r -a jvm <<<"${JVM_OPTS:-}"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0; }
allocated() {   # bytes the JVM has allocated so far (counted at GCs: force one first)
  jcmd "$server" GC.run >/dev/null
  curl -s "http://127.0.0.1:$admin/metrics" | awk '/^jvm_gc_memory_allocated_bytes_total/ {printf "%.0f\n", $2}'
}
# sample_peak FILE: writes the highest RSS (kB) seen until the file .stop appears beside it
sample_peak() {
  local peak=0 r
  while [ ! -e "$1.stop" ]; do
    r=$(rss_kb); [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.2
  done
  echo "$peak" >"$1"
}
# flood CASE ARGS...: runs the flood client while sampling, prints one table row
flood() {
  local name=$1; shift
  rm -f "$report/$name.peak" "$report/$name.peak.stop"
  local before; before=$(rss_kb)
  sample_peak "$report/$name.peak" &
  local sampler=$!
  local out; out=$(python3 loadtest/scripts/flood_client.py "$@" 2>&1 || true)
  touch "$report/$name.peak.stop"; wait "$sampler"
  local peak; peak=$(cat "$report/$name.peak")
  echo "$name: rss_before_mb=$((before / 1024)) rss_peak_mb=$((peak / 1024)) growth_mb=$(((peak - before) / 1024)) $out"
  last_out=$out
}

for c in ping input; do
  start_server "$report/serve-$c.log" "${jvm[@]}" -- --engine echo --root "$report/files" --idle-timeout 0 --linger 0
  # Warm up: one small input flood, so class loading and JIT are not counted as flood growth.
  python3 loadtest/scripts/flood_client.py input "$port" 5 "$WEBREPL_PASSWORD" "${LINE:-80}" >/dev/null
  jcmd "$server" GC.run >/dev/null
  if [ "$c" = ping ]; then
    flood ping ping "$port" "$seconds"
    # Does the server still serve a new session afterwards?
    if python3 loadtest/scripts/flood_client.py input "$port" 1 "$WEBREPL_PASSWORD" >/dev/null 2>&1; then
      echo "ping: a new session afterwards works"
    else
      echo "ping: a new session afterwards FAILED"
    fi
  else
    a0=$(allocated)
    flood input input "$port" "$mbytes" "$WEBREPL_PASSWORD" "${LINE:-80}"
    a1=$(allocated)
    # relayed: what the client typed plus what came back (the echo of each key and each line's answer)
    relayed=$(sed -n 's/.*sent_bytes=\([0-9]*\) received_bytes=\([0-9]*\).*/\1 \2/p' <<<"$last_out" | awk '{print $1 + $2}')
    python3 -c "import sys; a=int(sys.argv[1]); r=int(sys.argv[2]); print('input: allocated_mb=%.0f relayed_mb=%.0f (typed+received) bytes_allocated_per_byte_relayed=%.2f' % (a/1e6, r/1e6, a/r))" \
      "$((a1 - a0))" "$relayed"
    jcmd "$server" GC.run >/dev/null
    echo "input: heap_after_gc=$(jcmd "$server" GC.heap_info | awk '/used/ {print $0; exit}' | sed 's/^ *//')"
  fi
  stop_server
  trap - EXIT
done
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
