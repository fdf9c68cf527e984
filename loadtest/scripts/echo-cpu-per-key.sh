#!/usr/bin/env bash
# BENCHMARKS.md "Fourth pass (echo path)" (issue #19): server CPU per keystroke behind `cat`, by thread.
# For each jar given, alternating: a fresh `serve --engine process --command cat`, one unrecorded run
# of 100 termbench echo clients (JIT warm-up), then the measured run; each server thread's CPU is read
# from /proc/PID/task/*/stat before and after it, summed by thread name (numbers stripped) and divided
# by the measured keys. The JIT's threads are listed too: a fresh JVM still compiles during the run.
#
#   loadtest/scripts/echo-cpu-per-key.sh ROUNDS OUT_DIR JAR...
#
# A JAR of `ttyd` measures ttyd (TTYD: its binary) the same way, for the comparison in the same run.
#
# Env: KEYS (measured keys, default 100000), WARM_KEYS (default 30000), WARM_RUNS (unrecorded runs of
# WARM_KEYS, each with 100 new sessions, default 1: the sessions' opening and closing get compiled too;
# with more than one, LINGER=0 so that the sessions of a run end with it), LINGER (serve's --linger, default 60s), TERMBENCH (harness directory,
# default /work/shared/tools/termbench), JVM_OPTS (the server's JVM options, e.g. a JFR recording).
# Results: OUT_DIR/echo.jsonl (termbench's lines, labelled JAR-NAME rROUND) and OUT_DIR/threads.txt.
set -euo pipefail
rounds=${1:?rounds}
out=${2:?out dir}
shift 2
mkdir -p "$out"
tb=${TERMBENCH:-/work/shared/tools/termbench}
keys=${KEYS:-100000}
pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap stop EXIT

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
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    if [ "$jar" = ttyd ]; then
      adapter=(--adapter ttyd)
      "${TTYD:?set TTYD to a ttyd binary}" -i lo -p "$port" -W cat >"$out/$name.log" 2>&1 &
    else
      adapter=(--adapter webrepl --opt password=pw --opt 'login_suffix=\r')
      # shellcheck disable=SC2086
      java ${JVM_OPTS:-} -jar "$jar" serve --port "$port" --no-admin --password pw --engine process --command cat \
        --sandbox none --idle-timeout 0 --max-connections-per-address 200 --max-sessions-per-address 200 \
        --linger "${LINGER:-60s}" >"$out/$name.log" 2>&1 &
    fi
    pid=$!
    for _ in $(seq 1 120); do
      python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break
      sleep 0.25
    done
    for _ in $(seq 1 "${WARM_RUNS:-1}"); do
      python3 "$tb/bench_latency.py" "${adapter[@]}" --port "$port" --pid "$pid" --clients 100 \
        --keystrokes "${WARM_KEYS:-30000}" --warmup 20 >/dev/null
      # With LINGER=0 the run's sessions end as it disconnects: wait until their `cat`s are gone (at most 60 s).
      for _ in $(seq 1 600); do [ "${LINGER:-60s}" != 0 ] || [ -z "$(pgrep -P "$pid" -x cat)" ] && break; sleep 0.1; done
    done
    wc -l <"$out/$name.log" >"$out/$name.mark"  # where the measured run starts in the log
    threads >"$out/before"
    python3 "$tb/bench_latency.py" "${adapter[@]}" --port "$port" --pid "$pid" --clients 100 \
      --keystrokes "$keys" --warmup 20 --label "$name r$r" --json "$out/echo.jsonl" >/dev/null
    threads >"$out/after"
    {
      echo "$name r$r (load before: $(tail -1 "$out/echo.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["loadavg_before"])'))"
      # Ticks are 10 ms: µs per key = ticks * 10000 / keys.
      join "$out/before" "$out/after" | awk -v k="$keys" '$3 > $2 {printf "  %-24s %7.1f us/key\n", $1, ($3 - $2) * 10000 / k}'
    } | tee -a "$out/threads.txt"
    stop
  done
done
