#!/usr/bin/env bash
# dns-server vs NSD, side by side in one run (issue 3):
#   1. UDP and TCP queries/s with dnsperf on a 10k-record zone, 90% existing names and 10%
#      NXDOMAIN; each server pinned to CPU 1 with one worker, dnsperf pinned to CPU 0.
#   2. A 1,000,000-record zone: load time and peak RSS of `dns-server --check-zones` vs
#      `nsd-checkzone` (both parse the file and build the in-memory zone).
# Prints the figures and the ratios (us / NSD; > 1 means we are faster / use more memory).
#
#   tests/bench/dns.sh [SECONDS_PER_RUN]     (default 10)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup dns
SECS=${1:-10}
require_tools dnsperf nsd nsd-checkzone taskset /usr/bin/time
[ -x "$BIN/dns-server" ] || { echo "build dns-server first (./wk build)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Zones and the query mix.
python3 - "$WORK" <<'PY'
import random, sys
work = sys.argv[1]
def zone(path, n):
    with open(path, "w") as f:
        f.write("$TTL 3600\n@ IN SOA ns1 hostmaster 1 3600 900 604800 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\n")
        for i in range(n):
            f.write(f"h{i} IN A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n")
zone(f"{work}/bench.test.zone", 10_000)
zone(f"{work}/big.test.zone", 1_000_000)
random.seed(1)
with open(f"{work}/queries.txt", "w") as f:
    for _ in range(100_000):
        if random.random() < 0.9:
            f.write(f"h{random.randrange(10_000)}.bench.test A\n")
        else:
            f.write(f"nx{random.randrange(1_000_000)}.bench.test A\n")
PY

NSD_PORT=$(free_port)
US_PORT=$(free_port)
mkdir -p "$WORK/nsd"
cat > "$WORK/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  port: $NSD_PORT
  zonesdir: "$WORK"
  zonelistfile: "$WORK/nsd/zone.list"
  database: ""
  pidfile: "$WORK/nsd/nsd.pid"
  xfrdfile: "$WORK/nsd/xfrd.state"
  xfrdir: "$WORK/nsd"
  username: ""
  chroot: ""
  server-count: 1
  verbosity: 0
  # Debian's NSD has response rate limiting on (200 q/s per /24): off for a fair race.
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: "$WORK/bench.test.zone"
CONF
cat > "$WORK/us.toml" <<CONF
[log]
level = "warn"
[server]
threads = 1
listen = ["127.0.0.1:$US_PORT"]
[[zone]]
name = "bench.test"
file = "$WORK/bench.test.zone"
CONF

taskset -c 1 nsd -d -c "$WORK/nsd/nsd.conf" >"$WORK/nsd.log" 2>&1 &
PIDS+=($!)
taskset -c 1 "$BIN/dns-server" --config "$WORK/us.toml" >"$WORK/us.log" 2>&1 &
PIDS+=($!)
for port in $NSD_PORT $US_PORT; do
  for _ in $(seq 50); do
    dig +short +tries=1 +time=1 @127.0.0.1 -p "$port" h1.bench.test A | grep -q 10.0.0.1 && break
    sleep 0.2
  done
done

qps() {  # port mode clients
  taskset -c 0 dnsperf -s 127.0.0.1 -p "$1" -m "$2" -c "$3" -l "$SECS" -q 500 -d "$WORK/queries.txt" 2>&1 |
    awk '/Queries per second/ {print $4}'
}
ratio() { python3 -c "import sys; a,b=float(sys.argv[1] or 0),float(sys.argv[2] or 0); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }

echo "== UDP, 10k-record zone, 90% hit / 10% NXDOMAIN, ${SECS}s each, one server thread"
NSD_UDP=$(qps "$NSD_PORT" udp 1); US_UDP=$(qps "$US_PORT" udp 1)
printf "  nsd        %12s q/s\n  dns-server %12s q/s\n  ratio us/nsd %s\n" "$NSD_UDP" "$US_UDP" "$(ratio "$US_UDP" "$NSD_UDP")"
echo "== TCP, 8 pipelined connections"
NSD_TCP=$(qps "$NSD_PORT" tcp 8); US_TCP=$(qps "$US_PORT" tcp 8)
printf "  nsd        %12s q/s\n  dns-server %12s q/s\n  ratio us/nsd %s\n" "$NSD_TCP" "$US_TCP" "$(ratio "$US_TCP" "$NSD_TCP")"

echo "== 1,000,000-record zone: load time and peak RSS"
cat > "$WORK/big.toml" <<CONF
[[zone]]
name = "big.test"
file = "$WORK/big.test.zone"
CONF
measure() {  # prints "seconds kilobytes"
  /usr/bin/time -f "%e %M" -o "$WORK/time.out" "$@" >"$WORK/measure.log" 2>&1 || { cat "$WORK/measure.log"; exit 1; }
  cat "$WORK/time.out"
}
read -r NSD_T NSD_M < <(measure nsd-checkzone big.test "$WORK/big.test.zone")
read -r US_T US_M < <(measure "$BIN/dns-server" --config "$WORK/big.toml" --check-zones)
printf "  nsd-checkzone          %6ss %8s KiB\n  dns-server --check-zones %4ss %8s KiB\n" "$NSD_T" "$NSD_M" "$US_T" "$US_M"
echo "  load time ratio us/nsd $(ratio "$US_T" "$NSD_T")   RSS ratio us/nsd $(ratio "$US_M" "$NSD_M")"
