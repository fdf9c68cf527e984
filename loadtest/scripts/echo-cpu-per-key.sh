#!/usr/bin/env bash
# BENCHMARKS.md "Fourth pass (echo path)" (issue #19): server CPU per keystroke behind `cat`, by thread.
# For each jar given, alternating: a fresh `serve --engine process --command cat`, one unrecorded run
# of 100 termbench echo clients (JIT warm-up), then the measured run; each server thread's CPU is read
# from /proc/PID/task/*/stat before and after it, summed by thread name (numbers stripped) and divided
# by the measured keys. The JIT's threads are listed too: a fresh JVM still compiles during the run.
# CLIENTS (default 100) is the number of echo clients of the measured run.
#
#   loadtest/scripts/echo-cpu-per-key.sh ROUNDS OUT_DIR JAR...
#
# A JAR of `ttyd` measures ttyd (TTYD: its binary) the same way, for the comparison in the same run.
#
# Env: KEYS (measured keys, default 100000), WARM_KEYS (default 30000), WARM_RUNS (unrecorded runs of
# WARM_KEYS, each with 100 new sessions, default 1: the sessions' opening and closing get compiled too;
# with more than one, webrepl serves with --linger 0 so that the sessions of a run end with it), LINGER
# (webrepl's --linger otherwise, default 60s), TERMBENCH (harness directory, default
# /work/shared/tools/termbench), JVM_OPTS (the server's JVM options, e.g. a JFR recording), and the
# probes of the measured run that ttyd-lib.sh describes (SCHED, SYSCALLS, ASPROF, CLIENT_NICE), whose
# figures go to threads.txt per key.
# Results: OUT_DIR/echo.jsonl (termbench's lines, labelled JAR-NAME rROUND), OUT_DIR/threads.txt, and each
# server's log as OUT_DIR/JAR-NAME.log with OUT_DIR/JAR-NAME.mark, its line where the measured run starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:?rounds}
out=${2:?out dir}
shift 2
mkdir -p "$out"
tb=${TERMBENCH:-/work/shared/tools/termbench}
keys=${KEYS:-100000}
ttyd=${TTYD:-}
if [ "${WARM_RUNS:-1}" -gt 1 ]; then export LINGER=0; fi
# shellcheck source=ttyd-lib.sh
. loadtest/scripts/ttyd-lib.sh

# CPU ticks (user + system) of each live thread of $pid, summed by thread name without its number.
threads() {
  for t in /proc/"$pid"/task/*; do
    # A thread may end between the listing and the reads: it counts as 0.
    { printf '%s %s\n' "$(tr ' ' _ <"$t/comm")" "$(awk '{print $14 + $15}' "$t/stat")"; } 2>/dev/null || true
  done | awk '{sub(/[-#][0-9]+$/, "", $1); a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}

for r in $(seq 1 "$rounds"); do
  for jar in "$@"; do
    name=$(basename "$jar" .jar)
    if [ "$jar" = ttyd ]; then
      kind=ttyd
      : "${TTYD:?set TTYD to a ttyd binary}"
    else
      kind=webrepl
    fi
    serve "$kind" cat
    for _ in $(seq 1 "${WARM_RUNS:-1}"); do
      # shellcheck disable=SC2046
      python3 "$tb/bench_latency.py" $(adapter_opts "$kind") --port "$port" --pid "$pid" --clients 100 \
        --keystrokes "${WARM_KEYS:-30000}" --warmup 20 >/dev/null
      await_children
    done
    wc -l <"$out/$kind.log" >"$out/$name.mark"  # where the measured run starts in the log
    threads >"$out/before"
    probes_start "$kind" "$out/$name-r$r"
    # shellcheck disable=SC2046
    "${probe[@]}" python3 "$tb/bench_latency.py" $(adapter_opts "$kind") --port "$port" --pid "$pid" --clients "${CLIENTS:-100}" \
      --keystrokes "$keys" --warmup 20 --label "$name r$r" --json "$out/echo.jsonl" >/dev/null
    threads >"$out/after"
    probes_stop
    {
      echo "$name r$r (load before: $(tail -1 "$out/echo.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["loadavg_before"])'))"
      # Ticks are 10 ms: µs per key = ticks * 10000 / keys.
      join "$out/before" "$out/after" | awk -v k="$keys" '$3 > $2 {printf "  %-24s %7.1f us/key\n", $1, ($3 - $2) * 10000 / k}'
      probes_report "$keys" key
    } | tee -a "$out/threads.txt"
    stop
    [ "$kind" = "$name" ] || cp "$out/$kind.log" "$out/$name.log"
  done
done
