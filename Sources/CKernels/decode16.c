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
    const float *next = w + 24 * inDim;
    __m512 sums[12];
    for (int j = 0; j < 12; j++) sums[j] = _mm512_setzero_ps();
    for (long k = 0; k < inDim; k++) {
        if (prefetching && (k & 15) == 0) {
            for (int j = 0; j < 12; j++) __builtin_prefetch(next + j * inDim + k, 0, 3);
        }
        __m512 v = _mm512_castpd_ps(_mm512_insertf64x4(
            _mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps(x + k * 8))),
            _mm256_castps_pd(_mm256_loadu_ps(y + k * 8)), 1));
        for (int j = 0; j < 12; j++) sums[j] = _mm512_fmadd_ps(_mm512_set1_ps(w[j * inDim + k]), v, sums[j]);
    }
    float lanesOf[12][16];
    for (int j = 0; j < 12; j++) _mm512_storeu_ps(lanesOf[j], sums[j]);
    long count = lanes < 16 ? lanes : 16;
    for (long lane = 0; lane < count; lane++) {
        float *o = out + (row + lane) * outDim + first;
        for (int j = 0; j < 12; j++) o[j] = lanesOf[j][lane];
    }
}

/* As `dpo_twelve_outputs_of_sixteen_rows` for thirty-two rows (four eight-row blocks, `x` the first): each weight,
   broadcast once into a register, feeds two multiply-adds, one per sixteen rows, so a step over k loads twelve
   weights and two row vectors for 24 multiply-adds. The sixteen-row kernel loads twelve weights and one row vector
   for twelve, and waits on those loads when the weights come from cache. For prefill passes, whose weights serve
   many rows from cache; never prefetches. Each output is still one chain of fused multiply-adds over k in order,
   from zero. */
__attribute__((target("avx512f")))
void dpo_twelve_outputs_of_thirty_two_rows(
    float *out, const float *x, const float *w, long inDim, long outDim, long first, long row, long lanes)
{
    const long block = inDim * 8;
    __m512 low[12], high[12];
#pragma clang loop unroll(full)
    for (int j = 0; j < 12; j++) low[j] = high[j] = _mm512_setzero_ps();
    for (long k = 0; k < inDim; k++) {
        __m512 u = _mm512_castpd_ps(_mm512_insertf64x4(
            _mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps(x + k * 8))),
            _mm256_castps_pd(_mm256_loadu_ps(x + block + k * 8)), 1));
        __m512 v = _mm512_castpd_ps(_mm512_insertf64x4(
            _mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps(x + 2 * block + k * 8))),
            _mm256_castps_pd(_mm256_loadu_ps(x + 3 * block + k * 8)), 1));
#pragma clang loop unroll(full)
        for (int j = 0; j < 12; j++) {
            __m512 weight = _mm512_set1_ps(w[j * inDim + k]);
            low[j] = _mm512_fmadd_ps(weight, u, low[j]);
            high[j] = _mm512_fmadd_ps(weight, v, high[j]);
        }
    }
    float lanesOf[12][32];
    for (int j = 0; j < 12; j++) {
        _mm512_storeu_ps(lanesOf[j], low[j]);
        _mm512_storeu_ps(lanesOf[j] + 16, high[j]);
    }
    long count = lanes < 32 ? lanes : 32;
    for (long lane = 0; lane < count; lane++) {
        float *o = out + (row + lane) * outDim + first;
        for (int j = 0; j < 12; j++) o[j] = lanesOf[j][lane];
    }
}
