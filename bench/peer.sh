#!/usr/bin/env bash
# `make bench-peer`: ours (`dpo bench train`) against TRL's DPOTrainer, alternating A B A B; see bench/peer.py.
# Extra arguments go to bench/peer.py (--rounds R, --steps N).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-bench/bin/python ]; then
    echo "bench-peer: .venv-bench is missing: run \`make bench-peer-setup\`" >&2
    exit 2
fi
exec .venv-bench/bin/python bench/peer.py "$@"
