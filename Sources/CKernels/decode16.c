#include "CKernels.h"
#include "transpose8.h"

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

/* Rows into the (blocks, inDim, 8) layout of the decode products: element k of rows 8b … 8b+7 at
   columns[b·inDim·8 + k·8 + lane], zero in the lanes past the last row. Eight rows by eight elements at a time
   through a register transpose; Swift's element-by-element loop stored one float per instruction, on one core
   while the other waited, ~3% of a 16-sequence SmolLM2 decode step. */
__attribute__((target("avx2")))
void dpo_rows_into_blocks(float *columns, const float *inp, long rows, long inDim) {
    long fullDepth = inDim - inDim % 8;
    for (long b = 0; b * 8 < rows; b++) {
        float *block = columns + b * inDim * 8;
        const float *first = inp + b * 8 * inDim;
        long present = rows - b * 8 < 8 ? rows - b * 8 : 8;
        for (long k = 0; k < fullDepth; k += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = i < present ? _mm256_loadu_ps(first + i * inDim + k) : _mm256_setzero_ps();
            transpose8x8(r);
            for (int i = 0; i < 8; i++) _mm256_storeu_ps(block + (k + i) * 8, r[i]);
        }
        for (long k = fullDepth; k < inDim; k++)
            for (long lane = 0; lane < 8; lane++) block[k * 8 + lane] = lane < present ? first[lane * inDim + k] : 0;
    }
}
