#!/usr/bin/env bash
# BENCHMARKS.md "Official CLI file transfers": the official MicroPython client, unchanged, GETs a
# SIZE-byte file from `webrepl serve` (and PUTs one) RUNS times each; every copy is checked with cmp.
# MB/s is SIZE over the client process's wall time (Python start, connect and login included: about
# 0.1 s). The CLI is not in this repository (nor on CI): point CLI at webrepl_cli.py. Loopback only;
# each transfer is bounded by a timeout.
# Usage: CLI=/path/to/webrepl_cli.py loadtest/scripts/cli-get.sh [SIZE=100000000] [REPORT_DIR=target/cli-get]
# Env: CLI (required), RUNS (per operation, default 3), OPS (default "get put"), TIMEOUT (per transfer,
# default 300 s), PYTHON (default /usr/bin/python3), JAR (a server jar from another build, serve-lib.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-100000000}
report=${2:-target/cli-get}
: "${CLI:?set CLI to the official client, webrepl_cli.py}"
[ -f "$CLI" ] || { echo "no such file: $CLI"; exit 1; }
python=${PYTHON:-/usr/bin/python3}
mkdir -p "$report"
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
export WEBREPL_PASSWORD=cli-bench
root="$report/files"
rm -rf "$root" "$report/local"
mkdir -p "$root" "$report/local"
head -c "$size" /dev/urandom >"$root/big.bin"
cp "$root/big.bin" "$report/local/up-src.bin"
start_server "$report/serve.log" -- --engine echo --root "$root" --idle-timeout 0 --linger 0

# transfer OP N: one run of the CLI; prints its wall time in seconds after checking the copy.
transfer() {
  local op=$1 n=$2 dst src start end
  if [ "$op" = get ]; then
    src="127.0.0.1:$port:/big.bin"
    dst="$report/local/got-$n.bin"
    rm -f "$dst"
  else
    src="$report/local/up-src.bin"
    dst="127.0.0.1:$port:/up-$n.bin"
  fi
  start=$(date +%s.%N)
  # PYTHONUNBUFFERED would turn each progress line the CLI prints per chunk into a write of its own.
  timeout "${TIMEOUT:-300}" env -u PYTHONUNBUFFERED "$python" "$CLI" -p "$WEBREPL_PASSWORD" "$src" "$dst" \
    >"$report/$op-$n.log" 2>&1 || { echo "$op run $n failed:"; tail -c 2000 "$report/$op-$n.log"; exit 1; }
  end=$(date +%s.%N)
  if [ "$op" = get ]; then
    cmp "$root/big.bin" "$dst" >&2
    rm -f "$dst"
  else
    cmp "$report/local/up-src.bin" "$root/up-$n.bin" >&2
    rm -f "$root/up-$n.bin"
  fi
  python3 -c "print(f'{$end - $start:.3f}')"
}

echo "| operation | runs | median MB/s | min–max MB/s | median time |"
echo "|---|---:|---:|---:|---:|"
for op in ${OPS:-get put}; do
  times=()
  for n in $(seq 1 "${RUNS:-3}"); do
    times+=("$(transfer "$op" "$n")")
  done
  python3 - "$op" "$size" "${times[@]}" <<'PY'
import statistics, sys
op, size, times = sys.argv[1], int(sys.argv[2]), [float(t) for t in sys.argv[3:]]
mb = [size / t / 1e6 for t in times]
print(f"| {op.upper()} | {len(times)} | {statistics.median(mb):.1f} | {min(mb):.1f}–{max(mb):.1f} | "
      f"{statistics.median(times):.2f} s |")
print("  run times (s): " + " ".join(f"{t:.2f}" for t in times), file=sys.stderr)
PY
done
stop_server
