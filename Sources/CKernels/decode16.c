#include "CKernels.h"
#include <immintrin.h>

int dpo_cpu_has_avx512f(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

/* As the Swift `sixOuterProductsOfTwoBlocks`, twelve outputs instead of six: one register holds element k of the
   sixteen rows (two eight-row blocks joined), and `_mm512_set1_ps(w[k])` becomes the multiply-add's own broadcast
   operand. Each output is one chain of fused multiply-adds over k in order, from zero, so every lane rounds as the
   Haswell kernels do. With `prefetching`, the weight rows two groups on (24 rows) are asked for, one cache line of
   each per sixteen inputs, as there; the same distance measured as well as 12 or 48 rows. */
__attribute__((target("avx512f")))
void dpo_twelve_outputs_of_sixteen_rows(
    float *out, const float *x, const float *w, long inDim, long outDim, long first, long row, long lanes,
    int prefetching)
{
    const float *y = x + inDim * 8;
    const float *w0 = w, *w1 = w0 + inDim, *w2 = w1 + inDim, *w3 = w2 + inDim, *w4 = w3 + inDim, *w5 = w4 + inDim;
    const float *w6 = w5 + inDim, *w7 = w6 + inDim, *w8 = w7 + inDim, *w9 = w8 + inDim, *w10 = w9 + inDim;
    const float *w11 = w10 + inDim;
    const float *next = w + 24 * inDim;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    __m512 a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    for (long k = 0; k < inDim; k++) {
        if (prefetching && (k & 15) == 0) {
            for (int j = 0; j < 12; j++) __builtin_prefetch(next + j * inDim + k, 0, 3);
        }
        __m512 v = _mm512_castpd_ps(_mm512_insertf64x4(
            _mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps(x + k * 8))),
            _mm256_castps_pd(_mm256_loadu_ps(y + k * 8)), 1));
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(w0[k]), v, a0);
        a1 = _mm512_fmadd_ps(_mm512_set1_ps(w1[k]), v, a1);
        a2 = _mm512_fmadd_ps(_mm512_set1_ps(w2[k]), v, a2);
        a3 = _mm512_fmadd_ps(_mm512_set1_ps(w3[k]), v, a3);
        a4 = _mm512_fmadd_ps(_mm512_set1_ps(w4[k]), v, a4);
        a5 = _mm512_fmadd_ps(_mm512_set1_ps(w5[k]), v, a5);
        a6 = _mm512_fmadd_ps(_mm512_set1_ps(w6[k]), v, a6);
        a7 = _mm512_fmadd_ps(_mm512_set1_ps(w7[k]), v, a7);
        a8 = _mm512_fmadd_ps(_mm512_set1_ps(w8[k]), v, a8);
        a9 = _mm512_fmadd_ps(_mm512_set1_ps(w9[k]), v, a9);
        a10 = _mm512_fmadd_ps(_mm512_set1_ps(w10[k]), v, a10);
        a11 = _mm512_fmadd_ps(_mm512_set1_ps(w11[k]), v, a11);
    }
    float sums[12][16];
    _mm512_storeu_ps(sums[0], a0); _mm512_storeu_ps(sums[1], a1); _mm512_storeu_ps(sums[2], a2);
    _mm512_storeu_ps(sums[3], a3); _mm512_storeu_ps(sums[4], a4); _mm512_storeu_ps(sums[5], a5);
    _mm512_storeu_ps(sums[6], a6); _mm512_storeu_ps(sums[7], a7); _mm512_storeu_ps(sums[8], a8);
    _mm512_storeu_ps(sums[9], a9); _mm512_storeu_ps(sums[10], a10); _mm512_storeu_ps(sums[11], a11);
    long count = lanes < 16 ? lanes : 16;
    for (long lane = 0; lane < count; lane++) {
        float *o = out + (row + lane) * outDim + first;
        for (int j = 0; j < 12; j++) o[j] = sums[j][lane];
    }
}
