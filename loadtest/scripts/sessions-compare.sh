#!/usr/bin/env bash
# Side by side with ttyd (issue #19): 10 then 1000 idle `cat` sessions opened, held 3 s and closed,
# against a fresh server each run, ttyd and webrepl alternating, the load average before each run.
# termbench's bench_sessions.py records per level the open time, the server's threads and the PSS of
# the server with its children; after the hold, the time from the client closing every session until
# the server has no child left (teardown_seconds).
#
#   TTYD=/path/to/ttyd loadtest/scripts/sessions-compare.sh [ROUNDS] [OUT_DIR]
#
# TTYD: a ttyd binary built from its public source outside this repository (never committed).
# TERMBENCH: the harness directory (default /work/shared/tools/termbench).
# JAR: the webrepl jar to measure (default server/target/webrepl.jar).
# Results: one JSON line per run in OUT_DIR/sessions.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
out=${2:-$(mktemp -d /tmp/sessions-compare.XXXXXX)}
mkdir -p "$out"
ttyd=${TTYD:?set TTYD to a ttyd binary}
tb=${TERMBENCH:-/work/shared/tools/termbench}
cp "${JAR:-server/target/webrepl.jar}" "$out/webrepl.jar"
pid=

stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap stop EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

await_port() {
  for _ in $(seq 1 300); do
    if python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  return 1
}

for round in $(seq 1 "$rounds"); do
  for kind in ttyd webrepl; do
    port=$(free_port)
    if [ "$kind" = ttyd ]; then
      "$ttyd" -i lo -p "$port" -W cat >"$out/ttyd.log" 2>&1 &
      adapter=(--adapter ttyd)
    else
      java -jar "$out/webrepl.jar" serve --port "$port" --no-admin --password pw --engine process --command cat \
        --sandbox none --idle-timeout 0 --max-connections-per-address 2000 --max-sessions-per-address 2000 \
        --max-sessions 2000 >"$out/webrepl.log" 2>&1 &
      adapter=(--adapter webrepl --opt password=pw --opt 'login_suffix=\r')
    fi
    pid=$!
    await_port "$port"
    echo "$kind r$round (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
    python3 "$tb/bench_sessions.py" --port "$port" "${adapter[@]}" --pid "$pid" --sessions 10,1000 --hold 3 \
      --teardown-timeout 60 --label "$kind r$round" --json "$out/sessions.jsonl"
    stop
  done
done
echo "results in $out"
