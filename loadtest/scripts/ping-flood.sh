#!/usr/bin/env bash
# BENCHMARKS.md "Ping flood": one client upgrades, never logs in and never reads, and sends 125-byte
# masked pings as fast as it can for SECONDS; the server's RSS is sampled every 0.5 s. Then a second
# client logs in and runs a line, and the admin endpoint's read-pause and outbound-peak meters are
# printed. Once with the JVM's default heap and once with -Xmx256m (issue #15 point 2). Loopback only.
# Usage: loadtest/scripts/ping-flood.sh [SECONDS=15] [REPORT_DIR=target/ping-flood]
# Env: JVMS (the JVM heap settings to run, default "default -Xmx256m").
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
report=${2:-target/ping-flood}
mkdir -p "$report"
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
export WEBREPL_PASSWORD=ping-flood
echo "| JVM | RSS before | RSS max during | RSS after | flooder bytes out (accepted by the server) | login after | read pauses | outbound peak max |"
echo "|---|---:|---:|---:|---:|---|---:|---:|"
for jvm in ${JVMS:-default -Xmx256m}; do
  opts=()
  [ "$jvm" = default ] || opts=("$jvm")
  start_server "$report/serve-$jvm.log" "${opts[@]}" -- --engine echo --root "$report/files" --idle-timeout 0
  python3 - "$server" "$port" "$admin" "$seconds" "$jvm" <<'PY'
import os, socket, sys, threading, time, urllib.request
pid, port, admin, seconds, jvm = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5]

def rss():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0

def upgrade(rcvbuf=0):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n")
    return s

def read_until(s, marker, count=1, limit=1 << 20):
    got = b""
    while got.count(marker) < count and len(got) < limit:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    return got

time.sleep(1)
before = rss()
flooder = upgrade(4096)
read_until(flooder, b"Password: ")          # the last bytes it ever reads
ping = bytes([0x89, 0x80 | 125, 1, 2, 3, 4]) + bytes(125)
batch = ping * 512
sent = 0
stop = time.monotonic() + seconds
flooder.settimeout(0.5)
peak = before

def sample():
    global peak
    while time.monotonic() < stop:
        peak = max(peak, rss())
        time.sleep(0.5)

sampler = threading.Thread(target=sample)
sampler.start()
while time.monotonic() < stop:
    try:
        sent += flooder.send(batch)
    except socket.timeout:
        pass                                   # the server is not reading: keep trying until the end
    except OSError:
        break                                  # closed by the server
sampler.join()
after = rss()
def log_in_and_run():
    other = None
    try:
        other = upgrade()
        other.settimeout(10)
        ok = b"Password: " in read_until(other, b"Password: ")
        other.sendall(bytes([0x81, 0x80 | 11, 0, 0, 0, 0]) + b"ping-flood\r")
        ok = ok and b"WebREPL connected" in read_until(other, b">>> ")
        other.sendall(bytes([0x81, 0x80 | 4, 0, 0, 0, 0]) + b"6*7\r")
        return ok and read_until(other, b"6*7", 2).count(b"6*7") >= 2   # the echo of the line, then its result
    except OSError:
        return False
    finally:
        if other:
            other.close()

ok = log_in_and_run()
flooder.close()
time.sleep(1)
try:
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=10).read().decode()
except OSError:
    metrics = ""
def metric(name):
    for line in metrics.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    return float("nan")
mb = lambda b: f"{b / 1e6:,.0f} MB"
print(f"| {jvm} | {mb(before)} | {mb(peak)} | {mb(after)} | {mb(sent)} | {'yes' if ok else 'NO'} | "
      f"{metric('webrepl_connections_read_pauses_total'):.0f} | "
      f"{metric('webrepl_connections_outbound_peak_bytes_max'):.0f} B |")
PY
  stop_server
done
