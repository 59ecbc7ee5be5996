// Kernels that need an instruction set the Swift targets are not compiled for (they target Haswell, which every
// machine here has); each is used only after `dpo_cpu_has_avx512f()` says the CPU runs it.
#pragma once

/* 1 when the CPU and the operating system run AVX-512F instructions, else 0. */
int dpo_cpu_has_avx512f(void);

/* Twelve outputs of up to sixteen rows of a decode product with AVX-512F; see `batchMatvecForward`.
   out: (rows, outDim), written at rows row … row+lanes−1, columns first … first+11.
   x: two blocks of eight rows, each (inDim, 8), the second inDim·8 floats after the first.
   w: twelve weight rows of inDim, one after another. */
void dpo_twelve_outputs_of_sixteen_rows(
    float *out, const float *x, const float *w, long inDim, long outDim, long first, long row, long lanes,
    int prefetching);
