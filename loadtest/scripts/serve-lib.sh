# shellcheck shell=bash
# Sourced by the benchmark scripts beside it: a copy of the jar, and a server started from it.

# copy_jar DIR: builds the jar on first use and runs from a copy, DIR/webrepl.jar (sets jar): a rebuild
# during a run must not pull classes from under running JVMs. With JAR set, that jar is copied instead
# (an earlier build, for a before-and-after comparison in the same run).
copy_jar() {
  if [ -n "${JAR:-}" ]; then
    cp "$JAR" "$1/webrepl.jar"
  else
    ./webrepl --version >/dev/null
    cp server/target/webrepl.jar "$1/webrepl.jar"
  fi
  jar="$1/webrepl.jar"
}

# start_server LOG [JVM OPTION...] -- [SERVE OPTION...]: `webrepl serve` from the copy, in the
# background, on ports the OS picks; waits at most 60 s for its banner; sets server (the pid), port and
# admin; stops the server when the script exits (a script with its own EXIT trap calls stop_server).
start_server() {
  local log=$1 jvm=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do jvm+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  : >"$log"   # exists before the background job opens it, so the sed below never reads a missing file
  java "${jvm[@]}" -jar "$jar" serve --port 0 --admin-port 0 "$@" >>"$log" 2>&1 &
  server=$!
  trap stop_server EXIT
  port=
  admin=
  for _ in $(seq 1 120); do
    port=$(sed -n 's#^webrepl serving http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$log")
    admin=$(sed -n 's#^admin http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$log")
    [ -n "$port" ] && [ -n "$admin" ] && return 0
    sleep 0.5
  done
  echo "server did not start"
  cat "$log"
  exit 1
}

stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
