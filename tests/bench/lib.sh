# Shared prelude of the benchmark scripts: source it, then call bench_setup NAME.
#
#   ROOT  the repository      BIN   the built binaries (WK_BIN overrides)
#   WORK  a scratch directory removed at exit
#   PIDS  background processes (append with PIDS+=($!)) killed at exit
#   require_tools T...        exits with a clear message if a tool is missing

bench_setup() {
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  BIN=${WK_BIN:-$ROOT/build/bin}
  WORK=$(mktemp -d "/tmp/wk-$1-bench.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}

require_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing $tool (./wk deps)"; exit 1; }
  done
}
