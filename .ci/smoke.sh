#!/usr/bin/env bash
# Smoke test of the README's commands against the jar `mvn -B verify` just built: ./webrepl serve,
# then put, get, ver, a wrong password and the file commands through ./webrepl, on loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true   # 143: ended by our SIGTERM, as intended
  fi
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # name command...
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then passed=$((passed + 1)); echo "smoke: ok   $name"
  else failed=$((failed + 1)); echo "smoke: FAIL $name"; sed 's/^/    /' "$work/out"; fi
}

# The log exists before the server starts: the background job opens it only when it is scheduled,
# and a sed of a missing file would end this script under set -e on a loaded machine.
: >"$work/serve.log"
./webrepl serve --port 0 --admin-port 0 --password smoke-pw --root "$work/root" >>"$work/serve.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 1 120); do   # bounded: at most 60 s for the server to print its address
  port=$(sed -n 's#^webrepl serving http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$work/serve.log")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$port" ]; then echo "smoke: server did not start"; cat "$work/serve.log"; exit 1; fi

head -c 3000000 /dev/urandom >"$work/in.bin"
export WEBREPL_PASSWORD=smoke-pw
check "put stores the file byte for byte" \
  bash -c "./webrepl put '$work/in.bin' 127.0.0.1:$port:/in.bin && cmp '$work/in.bin' '$work/root/in.bin'"
check "get returns the same bytes" \
  bash -c "./webrepl get 127.0.0.1:$port:/in.bin '$work/out.bin' && cmp '$work/in.bin' '$work/out.bin'"
check "legacy-mode put and get round trip" \
  bash -c "./webrepl put --legacy '$work/in.bin' 127.0.0.1:$port:/legacy.bin && ./webrepl get --legacy 127.0.0.1:$port:/legacy.bin '$work/legacy.bin' && cmp '$work/in.bin' '$work/legacy.bin'"
check "ver prints a version" bash -c "./webrepl ver 127.0.0.1:$port | grep -E '[0-9]+\.[0-9]+\.[0-9]+'"
check "a wrong password exits non-zero with 'access denied'" \
  bash -c "if out=\$(WEBREPL_PASSWORD=wrong ./webrepl ver 127.0.0.1:$port 2>&1); then exit 1; fi; echo \"\$out\"; grep -qi 'access denied' <<<\"\$out\""
check "get of a missing file exits non-zero and leaves no local file" \
  bash -c "! ./webrepl get 127.0.0.1:$port:/missing.bin '$work/missing.bin' && [ ! -e '$work/missing.bin' ]"
mkdir -p "$work/tree/sub" && printf 'a\n' >"$work/tree/a.txt" && printf 'b\n' >"$work/tree/sub/b.txt"
check "mkdir, put -r, ls, mv, get -r and rm -r manage a remote tree" \
  bash -c "./webrepl mkdir 127.0.0.1:$port:/d/e && ./webrepl put -r '$work/tree' 127.0.0.1:$port:/d/e/t \
    && ./webrepl ls 127.0.0.1:$port:/d/e/t | grep -qx sub && ./webrepl mv 127.0.0.1:$port:/d/e/t /d/t2 \
    && ./webrepl get -r 127.0.0.1:$port:/d/t2 '$work/back' && diff -r '$work/tree' '$work/back' \
    && ./webrepl rm -r 127.0.0.1:$port:/d && [ ! -e '$work/root/d' ]"
echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
