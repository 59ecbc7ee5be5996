#!/usr/bin/env bash
# `make bench-peer-setup [BENCH_WORKLOAD=...]`: installs the peer (Hugging Face TRL on CPU PyTorch) into .venv-bench/ at the repo root,
# then builds the shared inputs once (bench/make_peer_inputs.py -> bench/.inputs/). Idempotent: a complete venv and
# complete inputs are kept as they are.
#
# torch is pinned to the CPU build ("+cpu"): a plain `torch` from PyPI pulls ~2 GB of CUDA packages. The wheel is
# found through pip's find-links (/opt/wheels on this machine); elsewhere, run with
# PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu so pip finds it on PyTorch's CPU index.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKLOAD=${1:-tiny}
VENV=.venv-bench
PYTHON=${PYTHON:-python3}

# The workloads are bench/peer.py's table (standard library only), checked before an install that takes minutes.
"$PYTHON" - "$WORKLOAD" <<'PY' || exit 2
import sys
sys.path.insert(0, "bench")
from peer import WORKLOADS
if sys.argv[1] not in WORKLOADS:
    sys.exit(f"setup_peer.sh: unknown workload '{sys.argv[1]}' ({', '.join(sorted(WORKLOADS))})")
PY
TORCH_VERSION=2.13.0+cpu

# Prints the versions and succeeds only if every package imports and torch is the CPU build.
check() {
    "$VENV/bin/python" - "$TORCH_VERSION" <<'PY'
import sys
import torch, transformers, trl, peft, datasets, accelerate, safetensors, tokenizers
print(f"torch {torch.__version__}, transformers {transformers.__version__}, trl {trl.__version__}, peft {peft.__version__}, "
      f"datasets {datasets.__version__}, accelerate {accelerate.__version__}, tokenizers {tokenizers.__version__}")
sys.exit(0 if torch.__version__ == sys.argv[1] else 1)
PY
}

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi

if check 2>/dev/null; then
    echo "$VENV is complete"
else
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # torch first and alone, so that the packages after it see it installed and never ask for the CUDA build.
    "$VENV/bin/python" -m pip install "torch==$TORCH_VERSION"
    "$VENV/bin/python" -m pip install "torch==$TORCH_VERSION" transformers trl peft datasets accelerate safetensors tokenizers
    check
fi

# The shared inputs (model, tokenizer, pairs), built once: both sides of every run read the same files. Workloads
# with one input set (smollm2-lora and smollm2-full) share its folder (bench/.inputs/smollm2/).
"$VENV/bin/python" bench/make_peer_inputs.py --workload "$WORKLOAD"
