# shellcheck shell=bash
# Sourced by the scripts that measure webrepl against ttyd (issue #19): one server of either kind on a
# free port, started the same way for both. Needs: out (the run's directory), ttyd (the binary) and
# jar (the webrepl jar, from serve-lib.sh's copy_jar). MAX: webrepl's per-address and total session
# limits (default 200); LINGER: webrepl's --linger (default 60s).

pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap stop EXIT

# serve KIND PROGRAM: ttyd or webrepl (process engine, no sandbox, like ttyd) running PROGRAM per
# session, on a free port; waits until it accepts (sets pid, port).
serve() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [ "$1" = ttyd ]; then
    "$ttyd" -i lo -p "$port" -W $2 >"$out/ttyd.log" 2>&1 &
  else
    java ${JVM_OPTS:-} -jar "$jar" serve --port "$port" --no-admin --password pw --engine process \
      --command "$2" --sandbox none --idle-timeout 0 --max-connections-per-address "${MAX:-200}" \
      --max-sessions-per-address "${MAX:-200}" --max-sessions "${MAX:-200}" --linger "${LINGER:-60s}" \
      >"$out/webrepl.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 1 120); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && return 0
    sleep 0.25
  done
  echo "$1 did not start"; exit 1
}

# adapter_opts KIND: termbench's options for that server.
adapter_opts() { if [ "$1" = ttyd ]; then echo "--adapter ttyd"; else echo "--adapter webrepl --opt password=pw --opt login_suffix=\r"; fi; }

# await_children: with LINGER=0, until the server's programs of the last run have ended (at most 60 s),
# so that the next run starts on a server without them; otherwise at once (webrepl keeps a run's
# sessions for --linger).
await_children() {
  [ "${LINGER:-60s}" = 0 ] || return 0
  for _ in $(seq 1 600); do [ -z "$(pgrep -P "$pid")" ] && return 0; sleep 0.1; done
}

# Probes of a measured run, for both kinds alike (env): SCHED=1 records the scheduler with `perf sched
# record -a`: by task name, how often each kind of task was switched in, its run time and its waits for a
# core (`perf sched timehist`'s "sch delay", from being woken to running; the client's too, which shares
# the machine with the server); SYSCALLS=1 counts the server's system calls that an echo or an output
# can make (`perf stat -e syscalls:sys_enter_NAME -p PID`); ASPROF, an async-profiler `asprof` binary
# built from its public source outside this repository, profiles webrepl (CPU samples every 1 ms, by
# thread, into TAG.collapsed; ASPROF_EVENT=alloc: allocations instead, sampled every 64 KiB, each
# stack's allocated bytes in TAG.collapsed); CLIENT_NICE=N runs the client under `nice -n N` (below 0, it is woken
# ahead of the server's threads when they want the same core).
#
# probes_start KIND TAG: sets the array probe, the measured client command's prefix (run it as
# "${probe[@]}" CLIENT...); the recordings are TAG.*. probes_stop after the client; probes_report UNITS
# UNIT prints the figures per UNIT (e.g. 100000 key) and deletes the scheduler's recording.
probe_tag=
probe_kind=
probes_start() {
  probe_kind=$1
  probe_tag=$2
  probe=()
  [ "${SCHED:-0}" = 0 ] || probe=(perf sched record -a -q -o "$probe_tag.sched" --)
  [ "${SYSCALLS:-0}" = 0 ] || probe+=(perf stat -e "$(syscall_events)" -p "$pid" -x, -o "$probe_tag.syscalls" --)
  [ -z "${CLIENT_NICE:-}" ] || probe+=(nice -n "$CLIENT_NICE")
  if [ -n "${ASPROF:-}" ] && [ "$probe_kind" = webrepl ]; then
    if [ "${ASPROF_EVENT:-cpu}" = alloc ]; then
      "$ASPROF" start -e alloc --alloc 64k -t "$pid" >/dev/null
    else
      "$ASPROF" start -e cpu -i 1ms -t "$pid" >/dev/null
    fi
  fi
}
probes_stop() {
  if [ -n "${ASPROF:-}" ] && [ "$probe_kind" = webrepl ]; then
    "$ASPROF" stop -o collapsed${ASPROF_EVENT:+ --total} -f "$probe_tag.collapsed" "$pid" >/dev/null
  fi
}
probes_report() {
  if [ "${SYSCALLS:-0}" != 0 ]; then
    awk -F, -v n="$1" -v u="$2" '$1 ~ /^[0-9]+$/ && $1 >= n / 100 {
      sub(/syscalls:sys_enter_/, "", $3); printf "  syscall %-16s %8.2f per %s\n", $3, $1 / n, u}' "$probe_tag.syscalls"
  fi
  if [ "${SCHED:-0}" != 0 ]; then
    perf sched timehist -i "$probe_tag.sched" 2>/dev/null | sched_waits
    rm -f "$probe_tag.sched"
  fi
}

# syscall_events: the tracepoints of the system calls an echo or an output can make (all of them would
# take more descriptors than a process may open: one per call and thread).
syscall_events() {
  local e=
  for c in read write readv writev recvfrom sendto recvmsg sendmsg epoll_wait epoll_pwait epoll_pwait2 \
      epoll_ctl futex ioctl sched_yield; do e+=${e:+,}syscalls:sys_enter_$c; done
  echo "$e"
}

# sched_waits: perf sched timehist's lines on stdin; by task name (numbers stripped), the times it was
# switched in, its run time, and its waits for a core (sch delay: woken to running) p50, p99, max and
# sum; <idle> is the cores' idle time. Tasks with under 1 % of the run time are left out.
sched_waits() {
  python3 -c '
import re, sys
from collections import defaultdict
runs, waits = defaultdict(float), defaultdict(list)
for line in sys.stdin:
    m = re.match(r"\s*[\d.]+\s+\[\d+\]\s+(.+?)(?:\[[\d/]+\])?\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", line)
    if not m: continue
    name = re.sub(r"[-#:/]?\d+$", "", m.group(1).strip())
    runs[name] += float(m.group(4)); waits[name].append(float(m.group(3)))
total = sum(runs.values())
print("  %-18s %8s %9s %8s %8s %8s %9s" % ("task (sched)", "switches", "run ms", "wait p50", "p99 ms", "max ms", "wait sum"))
for name in sorted(runs, key=lambda n: -runs[n]):
    if runs[name] < total / 100: continue
    w = sorted(waits[name])
    q = lambda f: w[min(len(w) - 1, int(f * len(w)))]
    print("  %-18s %8d %9.1f %8.3f %8.3f %8.3f %9.1f" % (name, len(w), runs[name], q(.5), q(.99), w[-1], sum(w)))
'
}
