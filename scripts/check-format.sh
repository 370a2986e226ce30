#!/usr/bin/env bash
# Fails if any C++ source differs from what clang-format (the root .clang-format) makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find . -path ./build -prune -o -path './build-*' -prune -o \
  \( -name '*.cpp' -o -name '*.hpp' \) -print | sort)
clang-format --dry-run -Werror "${files[@]}"
echo "format ok: ${#files[@]} files"
