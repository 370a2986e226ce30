#!/usr/bin/env bash
# tftp-server vs tftpd-hpa, side by side on loopback, same files, same clients:
#   1. a 100 MiB file with blksize 1468 + windowsize 16 (atftp; tftpd-hpa has no RFC 7440,
#      it declines windowsize and the client falls back to lock-step)
#   2. the same file with plain RFC 1350 512-byte blocks (curl --tftp-no-options)
#   3. rounds of 200 concurrent small-file reads (curl)
# Prints each time and the ratio tftpd-hpa / us (above 1.0 = we are faster).
#
#   [REPEAT=3] tests/bench/tftp.sh [SIZE_MIB] [ROUNDS]   (needs tftpd-hpa, atftp, curl; root)
# Each figure is the best of REPEAT alternating runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${WK_BIN:-$PWD/build/bin}
SIZE_MIB=${1:-100}
ROUNDS=${2:-5}
REPEAT=${REPEAT:-3}
CONCURRENCY=200

for tool in in.tftpd atftp curl; do
  command -v $tool >/dev/null || { echo "tftp bench: $tool is missing (./wk deps)"; exit 1; }
done
[ -x "$BIN/tftp-server" ] || { echo "tftp bench: build tftp-server first"; exit 1; }

WORK=$(mktemp -d /tmp/tftp-bench.XXXXXX)
chmod 755 "$WORK"
OURS_PID="" PEER_PID=""
cleanup() {
  [ -n "$OURS_PID" ] && kill "$OURS_PID" 2>/dev/null && wait "$OURS_PID" 2>/dev/null
  [ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null && wait "$PEER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

ROOT=$WORK/root
mkdir -p "$ROOT"
head -c $((SIZE_MIB << 20)) /dev/urandom > "$ROOT/big.bin"
head -c 4000 /dev/urandom > "$ROOT/small.bin"
chmod -R a+rX "$ROOT"

# Us: port 0, read back from the log.
cat > "$WORK/tftp.toml" <<CONF
[server]
listen = ["127.0.0.1:0"]
[tftp]
root = "$ROOT"
max_sessions = 2000
CONF
"$BIN/tftp-server" --config "$WORK/tftp.toml" > "$WORK/ours.log" 2>&1 &
OURS_PID=$!
for _ in $(seq 50); do
  OURS_PORT=$(sed -n 's/.*listening udp 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/ours.log")
  [ -n "$OURS_PORT" ] && break
  sleep 0.1
done
[ -n "$OURS_PORT" ] || { cat "$WORK/ours.log"; exit 1; }

# tftpd-hpa in the foreground on a free port.
PEER_PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PEER_USER=nobody
id tftp >/dev/null 2>&1 && PEER_USER=tftp
in.tftpd -L -u "$PEER_USER" -s "$ROOT" -a "127.0.0.1:$PEER_PORT" &
PEER_PID=$!
sleep 0.3

now() { date +%s.%N; }

big_window() {  # port
  atftp --option "blksize 1468" --option "windowsize 16" -g -r big.bin -l "$WORK/out.$1" \
    127.0.0.1 "$1" >/dev/null 2>&1
  cmp -s "$WORK/out.$1" "$ROOT/big.bin" || { echo "bad transfer from port $1"; exit 1; }
  rm -f "$WORK/out.$1"
}
big_plain() {
  curl -sS --tftp-no-options -o "$WORK/out.$1" "tftp://127.0.0.1:$1/big.bin"
  cmp -s "$WORK/out.$1" "$ROOT/big.bin" || { echo "bad transfer from port $1"; exit 1; }
  rm -f "$WORK/out.$1"
}
small_many() {
  for _ in $(seq "$ROUNDS"); do
    seq $CONCURRENCY | xargs -P $CONCURRENCY -I{} \
      curl -sS --tftp-no-options -o /dev/null "tftp://127.0.0.1:$1/small.bin"
  done
}

measure() {  # name function work
  # Alternating runs, best of $REPEAT for each side: the machine is shared, and the best run
  # is the one least disturbed by others.
  local t0 t1 ours=999999 peer=999999 i
  for i in $(seq "$REPEAT"); do
    t0=$(now); $2 "$OURS_PORT"; t1=$(now); ours=$(python3 -c "print(min($ours, $t1 - $t0))")
    t0=$(now); $2 "$PEER_PORT"; t1=$(now); peer=$(python3 -c "print(min($peer, $t1 - $t0))")
  done
  python3 - "$1" "$ours" "$peer" "$3" <<'PY'
import sys
name, ours, peer, work = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
unit, amount = work.split(":")
amount = float(amount)
print(f"{name:<34} us {ours:7.2f}s ({amount/ours:9.1f} {unit}/s)   tftpd-hpa {peer:7.2f}s "
      f"({amount/peer:9.1f} {unit}/s)   ratio {peer/ours:5.2f}x")
PY
}

echo "tftp bench: $SIZE_MIB MiB file, $ROUNDS x $CONCURRENCY concurrent small reads; us on :$OURS_PORT, tftpd-hpa on :$PEER_PORT"
measure "big, blksize 1468 windowsize 16" big_window "MiB:$SIZE_MIB"
measure "big, plain 512-byte blocks" big_plain "MiB:$SIZE_MIB"
measure "$CONCURRENCY concurrent 4 KB reads" small_many "reads:$((ROUNDS * CONCURRENCY))"
