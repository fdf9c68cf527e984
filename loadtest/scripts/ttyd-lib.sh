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
