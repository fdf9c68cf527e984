#!/usr/bin/env bash
# Side by side with ttyd (issue #19): output throughput and keystroke echo behind `cat`, the same
# termbench client against both servers, alternating A B A B, the load average before each run.
#
#   TTYD=/path/to/ttyd loadtest/scripts/ttyd-compare.sh [ROUNDS] [OUT_DIR]
#
# TTYD: a ttyd binary built from its public source outside this repository (never committed).
# TERMBENCH: the harness directory (default /work/shared/tools/termbench).
# BYTES: input bytes of `head -c BYTES /dev/zero | base64 -w0` (default 200000000).
# JAR: the webrepl jar to measure (default: the build of this tree, made if stale), e.g. an older build for an A/B.
# CLIENTS100=0 skips the 100-client echo runs. Results: one JSON line per run in OUT_DIR/*.jsonl.
# WARM=N: each server first gets N more unrecorded runs (throughput: N runs; echo: N runs of 100
# clients, 10,000 keys, each run's sessions ended before the next), so the recorded runs are those
# of a server that has served before: a JVM whose JIT has compiled the paths, the sessions' opening
# and closing included. ttyd gets the same runs. Without it, the recorded runs include the fresh
# JVM's compiling. With WARM, webrepl serves with --linger 0 (its sessions end with their connection).
# Each throughput server gets one unrecorded warm-up run; webrepl's figure includes its 52-byte login
# banner in the payload count (it stops 52 bytes early, 0.00002 % of 266,666,668).
# webrepl runs with --sandbox none so both servers start the program the same way.
# The probes that ttyd-lib.sh describes (SCHED, SYSCALLS, ASPROF) watch the recorded throughput runs;
# their figures, per MB of output, go to OUT_DIR/probes.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
out=${2:-$(mktemp -d /tmp/ttyd-compare.XXXXXX)}
mkdir -p "$out"
ttyd=${TTYD:?set TTYD to a ttyd binary}
tb=${TERMBENCH:-/work/shared/tools/termbench}
bytes=${BYTES:-200000000}
expect=$(( (bytes + 2) / 3 * 4 ))
# shellcheck source=serve-lib.sh
. loadtest/scripts/serve-lib.sh
# shellcheck source=ttyd-lib.sh
. loadtest/scripts/ttyd-lib.sh
copy_jar "$out"
printf '#!/bin/sh\nhead -c %s /dev/zero | base64 -w0\n' "$bytes" >"$out/gen.sh"
chmod +x "$out/gen.sh"

if [ "${WARM:-0}" != 0 ]; then export LINGER=0; fi

for r in $(seq 1 "$rounds"); do
  echo "round $r load $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 "$tb/pty_baseline.py" --label "bare r$r" --json "$out/throughput.jsonl" "$out/gen.sh"
  for kind in ttyd webrepl; do
    serve "$kind" "$out/gen.sh"
    # one unrecorded run first (and WARM more): the JVM's JIT warm (and the same for ttyd, so both are measured alike)
    for _ in $(seq 0 "${WARM:-0}"); do
      # shellcheck disable=SC2046
      python3 "$tb/bench_throughput.py" $(adapter_opts $kind) --port "$port" --expect-bytes "$expect" --timeout 120 >/dev/null 2>&1
      await_children
    done
    echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
    probes_start "$kind" "$out/$kind-r$r"
    # shellcheck disable=SC2046
    "${probe[@]}" python3 "$tb/bench_throughput.py" $(adapter_opts $kind) --port "$port" --pid "$pid" \
      --expect-bytes "$expect" --label "$kind r$r" --json "$out/throughput.jsonl" --timeout 120
    probes_stop
    { echo "$kind r$r"; probes_report "$((expect / 1000000))" MB; } >>"$out/probes.txt"
    stop
  done
  for kind in ttyd webrepl; do
    serve "$kind" cat
    for _ in $(seq 1 "${WARM:-0}"); do
      # shellcheck disable=SC2046
      python3 "$tb/bench_latency.py" $(adapter_opts $kind) --port "$port" --clients 100 --keystrokes 10000 \
        --warmup 20 >/dev/null 2>&1
      await_children
    done
    # shellcheck disable=SC2046
    python3 "$tb/bench_latency.py" $(adapter_opts $kind) --port "$port" --pid "$pid" --clients 1 \
      --keystrokes 5000 --warmup 2000 --label "$kind r$r" --json "$out/echo1.jsonl"
    if [ "${CLIENTS100:-1}" != 0 ]; then
      # shellcheck disable=SC2046
      python3 "$tb/bench_latency.py" $(adapter_opts $kind) --port "$port" --pid "$pid" --clients 100 \
        --keystrokes 10000 --warmup 20 --label "$kind r$r" --json "$out/echo100.jsonl"
    fi
    stop
  done
done
echo "results in $out"
