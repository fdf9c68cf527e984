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
# JAR: the webrepl jar to measure (default: the build of this tree, made if stale).
# Results: one JSON line per run in OUT_DIR/sessions.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
out=${2:-$(mktemp -d /tmp/sessions-compare.XXXXXX)}
mkdir -p "$out"
ttyd=${TTYD:?set TTYD to a ttyd binary}
tb=${TERMBENCH:-/work/shared/tools/termbench}
# shellcheck source=serve-lib.sh
. loadtest/scripts/serve-lib.sh
# shellcheck source=ttyd-lib.sh
. loadtest/scripts/ttyd-lib.sh
copy_jar "$out"
MAX=2000

for round in $(seq 1 "$rounds"); do
  for kind in ttyd webrepl; do
    serve "$kind" cat
    echo "$kind r$round (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
    # shellcheck disable=SC2046
    python3 "$tb/bench_sessions.py" --port "$port" $(adapter_opts "$kind") --pid "$pid" --sessions 10,1000 --hold 3 \
      --teardown-timeout 60 --label "$kind r$round" --json "$out/sessions.jsonl"
    stop
  done
done
echo "results in $out"
