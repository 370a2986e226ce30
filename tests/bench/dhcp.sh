#!/usr/bin/env bash
# DHCP benchmark: perfdhcp 4-way exchanges (DORA) per second against dhcp-server (leases
# durable in SQLite, group commit) and kea-dhcp4 (memfile), side by side in one run.
#
# Runs as root: a namespace pair wkdb<pid>-s (server) / wkdb<pid>-p (perfdhcp) joined by
# a veth pair, removed on exit. perfdhcp acts as a relay (giaddr 192.168.70.2), as in
# Kea's own performance tests. Server on CPU 0, perfdhcp on CPU 1.
#
#   tests/bench/dhcp.sh [SECONDS] [RATE] [ROUNDS]
#
# The runs alternate (us, kea, us, kea ...) and the best round of each is reported, which
# evens out a machine shared with other work.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SECONDS_PER_RUN=${1:-10}
RATE=${2:-4000}
ROUNDS=${3:-2}
BIN=${WK_BIN:-$ROOT/build/bin}
N=$(( $$ % 100000 ))
NS_S="wkdb$N-s" NS_P="wkdb$N-p" IF_S="wkdb${N}s" IF_P="wkdb${N}p"
WORK=$(mktemp -d /tmp/wk-dhcp-bench.XXXXXX)

[ "$(id -u)" -eq 0 ] || { echo "dhcp.sh: needs root (network namespaces)" >&2; exit 1; }
for t in perfdhcp kea-dhcp4; do
  command -v $t >/dev/null || [ -x /usr/sbin/$t ] || { echo "dhcp.sh: $t missing (./wk deps)" >&2; exit 1; }
done
[ -x "$BIN/dhcp-server" ] || { echo "dhcp.sh: build dhcp-server first" >&2; exit 1; }

SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  ip netns del "$NS_S" 2>/dev/null || true
  ip netns del "$NS_P" 2>/dev/null || true
  rm -rf "/etc/netns/$NS_S" "/etc/netns/$NS_P" "$WORK"
}
trap cleanup EXIT

for n in "$NS_S" "$NS_P"; do
  ip netns add "$n"
  mkdir -p "/etc/netns/$n" && echo "# wellknown bench" > "/etc/netns/$n/resolv.conf"
  ip netns exec "$n" ip link set lo up
done
ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_P" netns "$NS_P"
ip netns exec "$NS_S" ip addr add 192.168.70.1/24 dev "$IF_S"
ip netns exec "$NS_P" ip addr add 192.168.70.2/24 dev "$IF_P"
ip netns exec "$NS_S" ip link set "$IF_S" up
ip netns exec "$NS_P" ip link set "$IF_P" up

# A /18 around the relay address: 12k addresses, so no run exhausts the pool.
CLIENTS=10000

perf() {  # prints the 4-way exchange rate perfdhcp measured
  local out
  out=$(ip netns exec "$NS_P" taskset -c 1 perfdhcp -4 -l 192.168.70.2 -r "$RATE" \
        -R "$CLIENTS" -p "$SECONDS_PER_RUN" 192.168.70.1 2>&1) || true
  echo "$out" > "$WORK/perfdhcp.$1.txt"
  echo "$out" | sed -n 's/^Rate: \([0-9.]*\) 4-way exchanges\/second.*/\1/p' | head -1
}

wait_port() {  # waits until something in the server namespace listens on udp 67
  for _ in $(seq 50); do
    ip netns exec "$NS_S" ss -lun | grep -q ':67 ' && return 0
    sleep 0.1
  done
  echo "dhcp.sh: server did not start" >&2; cat "$WORK"/*.log >&2; exit 1
}

# --- us -----------------------------------------------------------------------------------
cat > "$WORK/dhcp-server.toml" <<CONF
[log]
level = "warn"
[server]
threads = 1
interfaces = []
listen = ["0.0.0.0:67"]
lease_db = "$WORK/leases.sqlite"
[[subnet]]
cidr = "192.168.64.0/18"
pools = ["192.168.80.1-192.168.127.250"]
routers = ["192.168.70.1"]
dns_servers = ["192.168.70.1"]
domain_name = "bench.test"
lease_time = "1h"
CONF
run_us() {
  rm -f "$WORK"/leases.sqlite*
  ip netns exec "$NS_S" taskset -c 0 "$BIN/dhcp-server" --config "$WORK/dhcp-server.toml" \
    > "$WORK/us.log" 2>&1 &
  SERVER_PID=$!
  wait_port
  perf us
  kill "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
}

# --- Kea ----------------------------------------------------------------------------------
cat > "$WORK/kea.json" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "$IF_S" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$WORK/kea-leases.csv",
                        "lfc-interval": 0 },
    "valid-lifetime": 3600,
    "subnet4": [ { "id": 1, "subnet": "192.168.64.0/18",
                   "pools": [ { "pool": "192.168.80.1 - 192.168.127.250" } ],
                   "option-data": [ { "name": "routers", "data": "192.168.70.1" },
                                    { "name": "domain-name-servers", "data": "192.168.70.1" },
                                    { "name": "domain-name", "data": "bench.test" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                   "output_options": [ { "output": "$WORK/kea.log" } ] } ]
} }
CONF
run_kea() {
  rm -f "$WORK"/kea-leases.csv*
  KEA_LOCKFILE_DIR="$WORK" KEA_PIDFILE_DIR="$WORK" ip netns exec "$NS_S" taskset -c 0 \
    kea-dhcp4 -c "$WORK/kea.json" > "$WORK/kea.out" 2>&1 &
  SERVER_PID=$!
  wait_port
  perf kea
  kill "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
}

US=0 KEA=0
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b + 0 > a + 0) ? b : a }'; }
for round in $(seq "$ROUNDS"); do
  u=$(run_us); k=$(run_kea)
  echo "round $round: us $u, kea $k"
  US=$(best "$US" "$u"); KEA=$(best "$KEA" "$k")
done
US_LEASES=$(sqlite3 "$WORK/leases.sqlite" "select count(*) from leases" 2>/dev/null || echo "?")

echo "perfdhcp DORA/s, ${SECONDS_PER_RUN}s at offered rate $RATE, $CLIENTS clients"
printf "  %-34s %10s\n" "dhcp-server (SQLite, durable)" "${US:-0}" "kea-dhcp4 (memfile)" "${KEA:-0}"
echo "  leases in our SQLite file after the run: $US_LEASES"
if [ -n "$US" ] && [ -n "$KEA" ]; then
  awk -v u="$US" -v k="$KEA" 'BEGIN { if (k > 0) printf "  ratio us/kea: %.2f\n", u / k }'
fi
grep -E "drops|sent packets|received packets" "$WORK/perfdhcp.us.txt" | sed 's/^/  us:  /' || true
grep -E "drops|sent packets|received packets" "$WORK/perfdhcp.kea.txt" | sed 's/^/  kea: /' || true
