#!/usr/bin/env bash
# dns-server's resolver vs Unbound, side by side in one run (issue 4). Needs root (the
# hierarchy listens on port 53 of 127.0.54.x, as delegations carry no port).
#   1. Cold resolution: a local three-level hierarchy (root and bench.test. served by our
#      dns-server, test. by NSD); each resolver resolves the same 300 names once, through a
#      counting UDP/TCP relay in front of every authoritative server. Prints the upstream
#      queries each resolver sent (lower is better).
#   2. Cache hits: dnsperf on those names (all cached), each resolver pinned to CPU 1 with one
#      thread, dnsperf pinned to CPU 0. Prints queries/s and the ratio us / Unbound.
#
#   tests/bench/resolver.sh [SECONDS]     (default 10)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup resolver
SECS=${1:-10}
require_tools dnsperf nsd unbound dig taskset python3
[ -x "$BIN/dns-server" ] || { echo "build dns-server first"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (port 53 on 127.0.54.x)"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ROOT_A=127.0.54.1 TLD_A=127.0.54.2 ZONE_A=127.0.54.3
BACK=5300  # the real servers listen here; the relays on :53 count and forward
NAMES=300

cat > "$WORK/root.zone" <<Z
@ 3600 IN SOA a.root.test. h.test. 1 3600 600 86400 60
@ 3600 IN NS a.root.test.
a.root.test. 3600 IN A $ROOT_A
test. 3600 IN NS ns.test.
ns.test. 3600 IN A $TLD_A
Z
cat > "$WORK/test.zone" <<Z
\$ORIGIN test.
@ 3600 IN SOA ns h 1 3600 600 86400 60
@ 3600 IN NS ns
ns 3600 IN A $TLD_A
bench 3600 IN NS ns.bench
ns.bench 3600 IN A $ZONE_A
Z
{
  echo '$ORIGIN bench.test.'
  echo "@ 3600 IN SOA ns h 1 3600 600 86400 60"
  echo "@ 3600 IN NS ns"
  echo "ns 3600 IN A $ZONE_A"
  for i in $(seq 0 $((NAMES - 1))); do echo "h$i 3600 IN A 10.1.$((i / 256)).$((i % 256))"; done
} > "$WORK/bench.zone"
for i in $(seq 0 $((NAMES - 1))); do echo "h$i.bench.test A"; done > "$WORK/queries.txt"
printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A %s\n' "$ROOT_A" > "$WORK/named.root"

auth() {  # addr zone-name zone-file
  cat > "$WORK/auth-$1.toml" <<C
[server]
listen = ["$1:$BACK"]
threads = 1
[[zone]]
name = "$2"
file = "$3"
C
  "$BIN/dns-server" --config "$WORK/auth-$1.toml" > "$WORK/auth-$1.log" 2>&1 &
  PIDS+=($!)
}
auth $ROOT_A . "$WORK/root.zone"
auth $ZONE_A bench.test "$WORK/bench.zone"
mkdir -p "$WORK/nsd"
cat > "$WORK/nsd/nsd.conf" <<C
server:
  ip-address: $TLD_A@$BACK
  port: $BACK
  zonesdir: "$WORK"
  zonelistfile: "$WORK/nsd/zone.list"
  database: ""
  pidfile: "$WORK/nsd/nsd.pid"
  xfrdfile: "$WORK/nsd/xfrd.state"
  xfrdir: "$WORK/nsd"
  username: ""
  chroot: ""
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: "test."
  zonefile: "$WORK/test.zone"
C
nsd -d -c "$WORK/nsd/nsd.conf" > "$WORK/nsd.log" 2>&1 &
PIDS+=($!)

# The counting relay: UDP and TCP on :53 of each address, forwarding to :$BACK. SIGUSR1
# prints and resets the count.
cat > "$WORK/relay.py" <<'PY'
import asyncio, signal, sys
addrs, back = sys.argv[1:-1], int(sys.argv[-1])
count = 0
class Udp(asyncio.DatagramProtocol):
    def __init__(self, addr): self.addr = addr
    def connection_made(self, t): self.t = t
    def datagram_received(self, data, src):
        global count
        count += 1
        asyncio.ensure_future(self.forward(data, src))
    async def forward(self, data, src):
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        class C(asyncio.DatagramProtocol):
            def datagram_received(s, d, a):
                if not fut.done(): fut.set_result(d)
        t, _ = await loop.create_datagram_endpoint(C, remote_addr=(self.addr, back))
        t.sendto(data)
        try:
            self.t.sendto(await asyncio.wait_for(fut, 2), src)
        except asyncio.TimeoutError:
            pass
        t.close()
async def tcp(addr, r, w):
    global count
    try:
        br, bw = await asyncio.open_connection(addr, back)
        while True:
            n = await r.readexactly(2)
            q = await r.readexactly(int.from_bytes(n, "big"))
            count += 1
            bw.write(n + q)
            m = await br.readexactly(2)
            w.write(m + await br.readexactly(int.from_bytes(m, "big")))
    except Exception:
        w.close()
async def main():
    loop = asyncio.get_running_loop()
    for a in addrs:
        await loop.create_datagram_endpoint(lambda a=a: Udp(a), local_addr=(a, 53))
        await asyncio.start_server(lambda r, w, a=a: tcp(a, r, w), a, 53)
    def report():
        global count
        print(count, flush=True)
        count = 0
    loop.add_signal_handler(signal.SIGUSR1, report)
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
PY
python3 -u "$WORK/relay.py" $ROOT_A $TLD_A $ZONE_A $BACK > "$WORK/relay.out" 2>&1 &
RELAY=$!
PIDS+=($RELAY)
for _ in $(seq 100); do grep -q ready "$WORK/relay.out" 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 100); do dig +short +norec @$ZONE_A h1.bench.test A | grep -q 10.1 && break; sleep 0.1; done
kill -USR1 $RELAY; sleep 0.3  # reset the count (the readiness probes)

US_PORT=$(free_port)
UB_PORT=$(free_port)
cat > "$WORK/us.toml" <<C
[server]
listen = ["127.0.0.1:$US_PORT"]
threads = 1
[resolver]
enabled = true
allow = ["127.0.0.0/8"]
root_hints = "$WORK/named.root"
C
cat > "$WORK/unbound.conf" <<C
server:
  interface: 127.0.0.1@$UB_PORT
  port: $UB_PORT
  do-ip6: no
  do-not-query-localhost: no
  root-hints: "$WORK/named.root"
  username: ""
  chroot: ""
  directory: "$WORK"
  pidfile: "$WORK/unbound.pid"
  use-syslog: no
  logfile: "$WORK/unbound.log"
  num-threads: 1
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  qname-minimisation: yes
  local-zone: "test." nodefault  # RFC 6761 blocks test. by default
  prefetch: no
  verbosity: ${UB_VERBOSITY:-1}
remote-control:
  control-enable: no
C

cold() {  # name port
  local before after
  for q in $(cut -d' ' -f1 "$WORK/queries.txt"); do dig +short +tries=1 +time=3 -p "$2" @127.0.0.1 "$q" A > /dev/null; done
  sleep 0.5
  kill -USR1 $RELAY; sleep 0.3
  tail -1 "$WORK/relay.out"
}
hits() {  # port
  taskset -c 0 dnsperf -s 127.0.0.1 -p "$1" -d "$WORK/queries.txt" -l "$SECS" -c 8 -q 200 2>&1 |
    awk '/Queries per second/ {print $4}'
}

taskset -c 1 "$BIN/dns-server" --config "$WORK/us.toml" > "$WORK/us.log" 2>&1 &
PIDS+=($!)
taskset -c 1 unbound -d -c "$WORK/unbound.conf" > "$WORK/unbound.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q "listening udp" "$WORK/us.log" && break; sleep 0.1; done
for _ in $(seq 50); do grep -q "start of service" "$WORK/unbound.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.5

US_COLD=$(cold us "$US_PORT")
UB_COLD=$(cold unbound "$UB_PORT")
for p in "$US_PORT" "$UB_PORT"; do
  dig +tries=1 +time=3 -p "$p" @127.0.0.1 h0.bench.test A | grep -q "status: NOERROR" ||
    { echo "resolver on port $p failed:"; cat "$WORK/unbound.log" "$WORK/unbound.out" "$WORK/us.log"; exit 1; }
done
echo "cold resolution of $NAMES names: upstream queries  us $US_COLD  unbound $UB_COLD"
US_QPS=$(hits "$US_PORT")
UB_QPS=$(hits "$UB_PORT")
echo "cache hits (dnsperf, ${SECS}s, one thread each): qps  us $US_QPS  unbound $UB_QPS"
python3 - "$US_COLD" "$UB_COLD" "$US_QPS" "$UB_QPS" <<'PY'
import sys
uc, bc, uq, bq = map(float, sys.argv[1:])
print(f"ratios: upstream queries us/unbound = {uc / bc:.2f} (<= 1 is the goal); "
      f"cache-hit qps us/unbound = {uq / bq:.2f} (>= 1 is the goal)")
PY
