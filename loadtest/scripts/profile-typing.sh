#!/usr/bin/env bash
# BENCHMARKS.md "Keystroke latency": the one-session typing run of typing-latency.sh with async-profiler
# (from Maven: tools.profiler:async-profiler), attached to both JVMs by jcmd once the run is warm: CPU
# samples every INTERVAL_US µs (default 1000: shorter intervals make the profiler itself the main cost
# around every context switch), per thread, as collapsed stacks (server-cpu.collapsed, generator-cpu.collapsed;
# flamegraph.pl or speedscope read them);
# then a summary: CPU per key by thread and the hottest frames (typing-latency.sh prints the generator's
# latency and the server's own keystroke-to-echo timer). Loopback only; bounded in time.
# Usage: loadtest/scripts/profile-typing.sh [DURATION=60s (at least 30s)] [SESSIONS=1] [REPORT_DIR=target/profile-typing]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-60s}
sessions=${2:-1}
report=${3:-target/profile-typing}
mkdir -p "$report/ap"
case "$(uname -m)" in
  x86_64) arch=linux-x64 ;;
  aarch64) arch=linux-arm64 ;;
  *) echo "async-profiler has no library for $(uname -m)"; exit 1 ;;
esac
if [ ! -f "$report/ap/libasyncProfiler.so" ]; then
  mvn -B -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.0 -DoutputDirectory="$report/ap"
  unzip -q -o -j "$report/ap/async-profiler-4.0.jar" "$arch/libasyncProfiler.so" -d "$report/ap"
fi
lib="$(cd "$report/ap" && pwd)/libasyncProfiler.so"
dir="$(cd "$report" && pwd)"
# The profiler is attached after 10 s of typing and detached 5 s before the end, so the profile holds
# typing, not start-up: CPU samples (perf events where allowed, else a timer), one stack root per
# thread.
secs=${duration%s}
loadtest/scripts/typing-latency.sh "${secs}s" "$sessions" "$report" >"$report/latency.txt" &
run=$!
pid_of() { for _ in $(seq 1 120); do p=$(pgrep -f "$report/webrepl.jar $1" | head -1) && { echo "$p"; return; }; sleep 0.5; done; }
server=$(pid_of serve)
generator=$(pid_of bench)
[ -n "$server" ] && [ -n "$generator" ] || { echo "the run did not start"; wait $run; exit 1; }
sleep 20   # 10 s ramp-up, then 10 s of typing to warm up
# jcmd would split an option string holding "=" itself: it goes in quotes.
for p in "$server" "$generator"; do jcmd "$p" JVMTI.agent_load "$lib" "\"start,event=cpu,interval=${INTERVAL_US:-1000}us,threads\"" >/dev/null; done
window=$((secs - 15))
sleep "$window"
jcmd "$server" JVMTI.agent_load "$lib" "\"stop,collapsed,file=$dir/server-cpu.collapsed\"" >/dev/null
jcmd "$generator" JVMTI.agent_load "$lib" "\"stop,collapsed,file=$dir/generator-cpu.collapsed\"" >/dev/null
wait $run
cat "$report/latency.txt"
python3 - "$report" "$sessions" "$window" "${INTERVAL_US:-1000}" <<'PY'
import collections, json, re, sys
report, sessions, window, interval_us = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(f"{report}/{sessions}/report.json"))
# Keys typed while the profiler ran: the run's keys per second of typing, over the window.
typing_seconds = d["plan"]["rampUpSeconds"] + d["plan"]["durationSeconds"]
keys = round(d["latency"]["count"] * window / typing_seconds)
print(f"\nkeys timed by the generator: {d['latency']['count']}, about {keys} of them in the {window} s profiled; "
      f"generator latency p50 {d['latency']['p50']:.0f} µs, p99 {d['latency']['p99']:.0f} µs")
for side in ("server", "generator"):
    per_thread, interpreted, self_frames, samples = collections.Counter(), collections.Counter(), collections.Counter(), 0
    for line in open(f"{report}/{side}-cpu.collapsed"):
        stack, n = line.rsplit(" ", 1)
        n = int(n)
        frames = stack.split(";")
        thread = re.sub(r"\s*tid=\d+", "", frames[0].strip("[]"))
        per_thread[thread] += n
        # Java code the JIT has not compiled yet runs in the interpreter (and crosses I2C/C2I adapters).
        if any(f in ("Interpreter", "I2C/C2I adapters") for f in frames):
            interpreted[thread] += n
        self_frames[frames[-1]] += n
        samples += n
    print(f"\n{side}: {samples} CPU samples of {interval_us} µs = {samples * interval_us / 1e3:.0f} ms CPU in {window} s, "
          f"{samples * interval_us / max(keys, 1):.0f} µs per key")
    for t, n in per_thread.most_common(6):
        print(f"  {n * interval_us / max(keys, 1):7.0f} µs/key  {t}  ({100 * interpreted[t] / n:.0f} % of it interpreted)")
    print("  hottest frames (self):")
    for f, n in self_frames.most_common(6):
        print(f"  {100 * n / max(samples, 1):5.1f} %  {f[:110]}")
PY
