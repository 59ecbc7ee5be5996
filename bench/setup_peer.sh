#!/usr/bin/env bash
# Installs the peer (Hugging Face TRL on CPU PyTorch) into .venv-bench/ at the repo root. Idempotent: an existing
# venv is reused and pip skips what is already installed.
#
# torch is pinned to the CPU build ("+cpu"): a plain `torch` from PyPI pulls ~2 GB of CUDA packages. The wheel is
# found through pip's find-links (/opt/wheels on this machine); elsewhere, run with
# PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu so pip finds it on PyTorch's CPU index.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-bench
PYTHON=${PYTHON:-python3}
TORCH="torch==2.13.0+cpu"

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi

# Already complete? (a quick import check keeps repeated `make bench-peer-setup` calls to a second)
if "$VENV/bin/python" -c 'import sys, torch, transformers, trl, datasets, accelerate, safetensors, tokenizers
sys.exit(0 if torch.__version__ == "2.13.0+cpu" else 1)' 2>/dev/null; then
    echo "$VENV is complete"
else
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # torch first and alone, so that the packages after it see it installed and never ask for the CUDA build.
    "$VENV/bin/python" -m pip install "$TORCH"
    "$VENV/bin/python" -m pip install "$TORCH" transformers trl datasets accelerate safetensors tokenizers
fi

"$VENV/bin/python" - <<'PY'
import torch, transformers, trl, datasets, accelerate, tokenizers
print(f"torch {torch.__version__}, transformers {transformers.__version__}, trl {trl.__version__}, "
      f"datasets {datasets.__version__}, accelerate {accelerate.__version__}, tokenizers {tokenizers.__version__}")
PY
