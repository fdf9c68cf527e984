#!/usr/bin/env bash
# BENCHMARKS.md "JShell at scale" (README "Hibernation"). Two measurements, each against its own
# `webrepl serve` started from a copy of the jar with ./webrepl's JVM defaults, the client
# (loadtest/scripts/JShellHibernation.java) in another process:
#   memory N SNIPPETS EXECUTION: the server's PSS (its own and its child JVMs') and heap after a full
#     GC (live objects, from the class histogram), warmed up (one session restored once) and idle,
#     then with N sessions of SNIPPETS snippets each (opened by several client processes), all hibernated, each
#     measured after G1's periodic collection has given back what the start-up grew; prints both and
#     the difference per session. SERVER_JVM_OPTS adds server JVM options (e.g. -Xmx2g: opening
#     sessions of LOCAL execution quickly makes garbage faster than a 1 GiB heap collects it).
#     The class histograms (and NMT summaries, with -XX:NativeMemoryTracking=summary) of both states
#     are kept in REPORT_DIR.
#   restore SNIPPETS ROUNDS EXECUTION PREWARM: one session of SNIPPETS snippets hibernates and is
#     woken ROUNDS times by an expression; Enter to prompt, p50/p99/max (the client's view). WARM_UP=1
#     restores a session of 5 snippets once first (as memory mode does), so the first timed restore is not
#     the server's first. WARM_UP=full instead restores a session of SNIPPETS snippets 3 times first
#     (their times printed), so the timed restores are those of a server whose JIT has compiled the
#     restore's path (a server that has restored before; its first two restores of 50 snippets pay the JIT).
#     WARM_UP=server: no client warm-up; the server's own (--jshell-warm-up, README "Hibernation") is waited
#     for (its log line, at most 5 min) before the timed restores. Other modes run the server without it
#     (WEBREPL_JSHELL_WARM_UP=false), as the earlier runs, unless SERVER_WARM_UP=1 (then they wait for it too).
# Sessions hibernate after 2 s (memory) or 1 s (restore). Prints the load average at start and end.
# Usage: loadtest/scripts/jshell-at-scale.sh memory [N=1000] [SNIPPETS=10] [EXECUTION=LOCAL] [REPORT_DIR=target/jshell-at-scale]
#        [WARM_UP=1|full|server] [SERVER_WARM_UP=1] loadtest/scripts/jshell-at-scale.sh restore [SNIPPETS=50] [ROUNDS=25] [EXECUTION=REMOTE] [PREWARM=0] [REPORT_DIR=...]
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:?memory or restore}
source loadtest/scripts/serve-lib.sh
export WEBREPL_PASSWORD=scale-bench
# ./webrepl's JVM defaults; SERVER_JVM_OPTS (e.g. -Xmx2g) come after them, so they win.
# shellcheck disable=SC2206  # a list of options, split at spaces on purpose
defaults=(-Xms64m -Xmx1g -XX:MaxDirectMemorySize=256m -XX:G1PeriodicGCInterval=60000 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 ${SERVER_JVM_OPTS:-})
client=loadtest/scripts/JShellHibernation.java
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# The server's own warm-up: on with WARM_UP=server or SERVER_WARM_UP=1, else off (the earlier runs had none).
# Given as its variable, which a JAR= built before the flag ignores (it has no warm-up).
if [ "${WARM_UP:-0}" = server ] || [ "${SERVER_WARM_UP:-0}" = 1 ]; then server_warm_up=true; else server_warm_up=false; fi
export WEBREPL_JSHELL_WARM_UP=$server_warm_up
await_server_warm_up() {  # LOG: waits at most 5 min for the warm-up's last line in the server's log; prints it
  [ "$server_warm_up" = true ] || return 0
  for _ in $(seq 1 600); do
    if grep -qE 'jshell warm-up: ([0-9]+ restores|stopped)' "$1"; then
      grep -E 'jshell warm-up: ([0-9]+ restores|stopped)' "$1" | sed 's/^[^ ]* //'
      return 0
    fi
    sleep 0.5
  done
  echo "the server's warm-up did not end in 5 min"
  exit 1
}

pss() {  # PSS in bytes of the server and every process under it
  local total=0 p
  for p in $server $(pgrep -P "$server" || true); do
    total=$((total + $(awk '/^Pss:/ {print $2 * 1024}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
heap() {  # live heap in bytes: the class histogram's total, taken after the full GC it forces; kept as $report/histogram-$1.txt
  jcmd "$server" GC.class_histogram >"$report/histogram-$1.txt"
  awk '/^Total/ {print $3}' "$report/histogram-$1.txt"
}
nmt() {  # with SERVER_JVM_OPTS=-XX:NativeMemoryTracking=summary: the server's native memory, as $report/nmt-$1.txt
  jcmd "$server" VM.native_memory summary >"$report/nmt-$1.txt" 2>&1 || true
}

if [ "$mode" = memory ]; then
  n=${2:-1000}; snippets=${3:-10}; execution=${4:-LOCAL}; report=${5:-target/jshell-at-scale}
  mkdir -p "$report"
  ulimit -n $((n * 2 + 1000))
  copy_jar "$report"
  start_server "$report/serve-memory.log" "${defaults[@]}" -- --jshell-execution "$execution" \
    --jshell-hibernate-after 2s --max-sessions $((n + 100)) --max-connections-per-address $((n + 100)) \
    --max-sessions-per-address 0 --idle-timeout 0 --linger 0
  await_server_warm_up "$report/serve-memory.log"
  # Warm-up: JShell's classes (javac's) load once per server, not per session.
  timeout 300 java -cp "$jar" "$client" restore "$port" "$WEBREPL_PASSWORD" 5 1 >/dev/null
  sleep 3
  sleep 75
  heap0=$(heap idle); sleep 5; pss0=$(pss); nmt idle
  echo "idle server: heap $heap0 B, PSS $pss0 B"
  # Holders of at most 150 sessions each, opening their sessions one at a time, all at once.
  holders=$(((n + 149) / 150))
  fifo="$report/hold.in"; rm -f "$fifo"; mkfifo "$fifo"
  pids=()
  for h in $(seq 1 "$holders"); do
    count=$(((n * h) / holders - (n * (h - 1)) / holders))
    timeout 1800 java -cp "$jar" "$client" hold "$port" "$WEBREPL_PASSWORD" "$count" "$snippets" 1 "$n" <"$fifo" \
      >"$report/hold-$h.out" 2>&1 &
    pids+=($!)
  done
  exec 3>"$fifo"
  for _ in $(seq 1 1800); do
    [ "$(cat "$report"/hold-*.out | grep -c '^hibernated')" -ge "$holders" ] && break
    if grep -q '^stuck' "$report"/hold-*.out; then
      jcmd "$server" Thread.print >"$report/threads.txt"
      echo "a session stopped answering: threads in $report/threads.txt"
      cat "$report"/hold-*.out
      exit 1
    fi
    for p in "${pids[@]}"; do
      kill -0 "$p" 2>/dev/null || { cat "$report"/hold-*.out; exit 1; }
    done
    sleep 1
  done
  cat "$report"/hold-*.out
  # Creating the sessions grew the heap: G1's periodic collection (60 s) gives the unused part back first.
  sleep 75
  heap1=$(heap hibernated); sleep 5; pss1=$(pss); nmt hibernated
  echo "with $n hibernated sessions: heap $heap1 B, PSS $pss1 B"
  awk -v a="$heap0" -v b="$heap1" -v c="$pss0" -v d="$pss1" -v n="$n" \
    'BEGIN {printf "per hibernated session: heap %.1f KB, PSS %.1f KB\n", (b - a) / n / 1000, (d - c) / n / 1000}'
  exec 3>&-
  wait "${pids[@]}" || true
else
  snippets=${2:-50}; rounds=${3:-25}; execution=${4:-REMOTE}; prewarm=${5:-0}; report=${6:-target/jshell-at-scale}
  mkdir -p "$report"
  copy_jar "$report"
  start_server "$report/serve-restore.log" "${defaults[@]}" -- --jshell-execution "$execution" \
    --prewarm "$prewarm" --jshell-hibernate-after 1s --idle-timeout 0 --linger 0
  await_server_warm_up "$report/serve-restore.log"
  if [ "${WARM_UP:-0}" = 1 ]; then
    # As in memory mode: one session of 5 snippets restored once first, so the timed restores are those
    # of a server that has built JShells before (its first one pays the JIT); its time is printed.
    timeout 300 java -cp "$jar" "$client" restore "$port" "$WEBREPL_PASSWORD" 5 1 | sed -n 's/^restore 1:/warm-up restore (5 snippets, first of the server):/p'
  elif [ "${WARM_UP:-0}" = full ]; then
    timeout 600 java -cp "$jar" "$client" restore "$port" "$WEBREPL_PASSWORD" "$snippets" 3 \
      | sed -n "s/^restore \([0-9]\):/warm-up restore \1 ($snippets snippets):/p"
  fi
  timeout 1800 java -cp "$jar" "$client" restore "$port" "$WEBREPL_PASSWORD" "$snippets" "$rounds"
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
