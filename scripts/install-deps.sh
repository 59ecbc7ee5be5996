#!/usr/bin/env bash
# Installs the system libraries the build and the tests need, only when something is missing:
# OpenBLAS (sgemm), ncursesw (the workbench), tmux (end-to-end UI tests) and pkg-config (finds both libraries).
set -euo pipefail
missing=()
pkg-config --exists openblas 2>/dev/null || missing+=(libopenblas-dev)
pkg-config --exists ncursesw 2>/dev/null || missing+=(libncursesw5-dev)
command -v tmux >/dev/null || missing+=(tmux)
command -v pkg-config >/dev/null || missing+=(pkg-config)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" pkg-config >/dev/null
