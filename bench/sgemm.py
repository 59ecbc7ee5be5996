"""The machine's float32 matrix-multiply speed as PyTorch (MKL/oneDNN) and NumPy (its bundled OpenBLAS) see it, for
docs/performance.md. Each figure is the best of several timed repeats, in GFLOP/s (2·m·n·k per product).

Shapes: 1024³, and the benchmark model's two largest per-layer products over one step's ~2,200 real tokens:
[2200×256]·[256×1408] (gate+up) and [2200×704]·[704×256] (down).

Usage: .venv-bench/bin/python bench/sgemm.py [--threads 2]
"""
import argparse
import os
import time

SHAPES = [(1024, 1024, 1024), (2200, 256, 1408), (2200, 704, 256)]


def best_gflops(fn, flops, seconds=1.0):
    fn()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 5:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return flops / min(times) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    # NumPy's bundled OpenBLAS reads its thread count when it loads.
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    global np, torch
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), numpy {np.__version__}; "
          f"GFLOP/s, best of repeats")
    for m, k, n in SHAPES:
        flops = 2 * m * n * k
        a, b = torch.randn(m, k), torch.randn(k, n)
        out = torch.empty(m, n)
        t = best_gflops(lambda: torch.mm(a, b, out=out), flops)
        an, bn = a.numpy(), b.numpy()
        on = np.empty((m, n), dtype=np.float32)
        nm = best_gflops(lambda: np.matmul(an, bn, out=on), flops)
        print(f"  {m:5d} x {k:4d} x {n:4d}   torch.mm {t:6.1f}   numpy {nm:6.1f}")


if __name__ == "__main__":
    main()
