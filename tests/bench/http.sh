#!/usr/bin/env bash
# http-server vs nginx, side by side in one run, on the same files:
#   1. a 1 KiB static file, keep-alive, wrk (requests/s)
#   2. a 1 GiB file downloaded with curl (bytes/s, sendfile on both)
# Both servers get one worker (threads = 1 / worker_processes 1) pinned to one core, wrk
# to the other when there are two. Prints each figure and our/nginx ratios.
#
#   tests/bench/http.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup http
DURATION=${1:-10}
CONNS=${2:-50}
command -v wrk >/dev/null || { echo "http.sh: wrk is not installed (./wk deps)"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "http.sh: nginx is not installed (./wk deps)"; exit 1; }
[ -x "$BIN/http-server" ] || { echo "http.sh: $BIN/http-server is not built"; exit 1; }


mkdir -p "$WORK/www" "$WORK/nginx"
head -c 1024 /dev/urandom > "$WORK/www/1k.bin"
truncate -s 1G "$WORK/www/1g.bin"   # sparse: both servers read the same zero pages

SERVER_CPU=""
CLIENT_CPU=""
if [ "$(nproc)" -ge 2 ]; then
  SERVER_CPU="taskset -c 1"
  CLIENT_CPU="taskset -c 0"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- us ---
cat > "$WORK/wk.toml" <<CONF
[server]
listen = ["127.0.0.1:0"]
threads = 1
[static]
root = "$WORK/www"
CONF
$SERVER_CPU "$BIN/http-server" --config "$WORK/wk.toml" > "$WORK/wk.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do grep -q "listening tcp" "$WORK/wk.log" && break; sleep 0.1; done
WK_PORT=$(grep -o 'listening tcp 127.0.0.1:[0-9]*' "$WORK/wk.log" | head -1 | cut -d: -f2)
[ -n "$WK_PORT" ] || { cat "$WORK/wk.log"; exit 1; }

# --- nginx, with its own prefix and config ---
NG_PORT=$(free_port)
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  types { application/octet-stream bin; }
  server {
    listen 127.0.0.1:$NG_PORT;
    root $WORK/www;
  }
}
CONF
$SERVER_CPU "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/stderr" &
PIDS+=($!)
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$NG_PORT/1k.bin" && break; sleep 0.1; done

check() { curl -sf -o /dev/null "http://127.0.0.1:$1/1k.bin" || { echo "http.sh: $2 does not answer"; exit 1; }; }
check "$WK_PORT" http-server
check "$NG_PORT" nginx

rps() {
  $CLIENT_CPU wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$1/1k.bin" |
    awk '/Requests\/sec/ {print $2}'
}
download() {
  local best=0 s
  for _ in 1 2 3; do
    s=$($CLIENT_CPU curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$1/1g.bin")
    best=$(python3 -c "print(max($best, $s))")
  done
  echo "$best"
}
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

echo "== 1 KiB file, keep-alive, wrk -c$CONNS -d${DURATION}s (requests/s) =="
WK_RPS=$(rps "$WK_PORT")
NG_RPS=$(rps "$NG_PORT")
echo "http-server: $WK_RPS"
echo "nginx:       $NG_RPS"
echo "ratio (us/nginx): $(ratio "$WK_RPS" "$NG_RPS")"

echo "== 1 GiB download, curl (bytes/s, best of 3) =="
WK_DL=$(download "$WK_PORT")
NG_DL=$(download "$NG_PORT")
echo "http-server: $(python3 -c "print(f'{$WK_DL/2**20:.0f} MiB/s')")"
echo "nginx:       $(python3 -c "print(f'{$NG_DL/2**20:.0f} MiB/s')")"
echo "ratio (us/nginx): $(ratio "$WK_DL" "$NG_DL")"
