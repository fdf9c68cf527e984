#!/usr/bin/env bash
# BENCHMARKS.md "Through nginx": keystroke-to-echo latency of one typing session, directly against an
# echo node and through nginx (deploy/nginx/webrepl.conf, its ports replaced) in front of the same
# node, in the same run, alternating (direct, nginx, nginx, direct). Loopback only; bounded in time.
# Usage: [SESSIONS=1] [RAMP_UP=1s] loadtest/scripts/nginx-latency.sh [DURATION=30s] [REPORT_DIR=target/nginx-latency]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-30s}
report=${2:-target/nginx-latency}
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx not found (Debian: apt-get install nginx)"; exit 1; }
rm -rf "$report"
mkdir -p "$report/nginx/temp"
report=$(cd "$report" && pwd)
chmod 755 "$report" "$report/nginx" "$report/nginx/temp"   # nginx's worker may run as nobody
source loadtest/scripts/serve-lib.sh
copy_jar "$report"
export WEBREPL_PASSWORD=nginx-bench
start_server "$report/serve.log" -- --engine echo --node node-a --idle-timeout 0 --linger 0 \
  --max-connections-per-address 10000 --max-sessions-per-address 0
nginx_pid=
cleanup() {
  [ -n "$nginx_pid" ] && { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; }
  stop_server
}
trap cleanup EXIT
# A free port for nginx's public listener (released just before nginx binds it).
proxy=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# Both upstream addresses of the shipped config point at the one node.
sed -e "s/127\.0\.0\.1:8266/127.0.0.1:$port/; s/127\.0\.0\.1:8268/127.0.0.1:$port/" \
    -e "s/listen 8080;/listen 127.0.0.1:$proxy;/" deploy/nginx/webrepl.conf >"$report/nginx/site.conf"
cat >"$report/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $report/nginx/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $report/nginx/temp/client_body;
    proxy_temp_path $report/nginx/temp/proxy;
    fastcgi_temp_path $report/nginx/temp/fastcgi;
    uwsgi_temp_path $report/nginx/temp/uwsgi;
    scgi_temp_path $report/nginx/temp/scgi;
    include $report/nginx/site.conf;
}
CONF
"$nginx" -e stderr -p "$report/nginx/" -c "$report/nginx/nginx.conf" >"$report/nginx.log" 2>&1 &
nginx_pid=$!
for _ in $(seq 1 40); do   # at most 20 s until nginx has started its worker
  grep -q "start worker process" "$report/nginx.log" && break
  sleep 0.5
done
grep -q "start worker process" "$report/nginx.log" || { echo "nginx did not start"; cat "$report/nginx.log"; exit 1; }
{ echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"; echo "nproc: $(nproc)"; java -version 2>&1 | head -1
  "$nginx" -v 2>&1; echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"; } | tee "$report/machine.txt"
i=0
for side in direct nginx nginx direct; do
  i=$((i + 1))
  target="ws://127.0.0.1:$port/"
  [ "$side" = nginx ] && target="ws://127.0.0.1:$proxy/"
  java -jar "$jar" bench --scenario typing --sessions "${SESSIONS:-1}" --rate 10 --ramp-up "${RAMP_UP:-1s}" --duration "$duration" --quiet \
    --target "$target" --report "$report/$i-$side" >/dev/null
  python3 - "$report/$i-$side/report.json" "$i" "$side" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l = d["latency"]
print(f"run {sys.argv[2]} {sys.argv[3]:6}: {l['count']} keys, p50 {l['p50']:.0f} µs, p99 {l['p99']:.0f} µs, "
      f"max {l['max']:.0f} µs; errors {sum(d['errors'].values())}; load {sys.argv[4]}")
PY
done
