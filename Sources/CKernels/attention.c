#include "CKernels.h"
#include "transpose8.h"

/* A decode step's attention over the cache, one query head of one row. Each score is the Swift `dotProduct` chain
   (eight lanes of fused multiply-adds over the head in order, the lanes added one after another, then the scalar
   tail) times the scale; each output the chain of fused multiply-adds over the positions in order. Swift compiled
   the lane sum of every key as a serial chain of its own, ~40 cycles a key; here eight keys' lanes are transposed
   into eight registers and added register by register, the same additions in the same order. */
#pragma clang fp contract(off)

/* The Swift `dotProduct(query, key, headDim)` for one key, bit for bit. */
__attribute__((target("avx2,fma")))
static float dot_product(const float *query, const float *key, long headDim) {
    __m256 lanes = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= headDim; i += 8) lanes = _mm256_fmadd_ps(_mm256_loadu_ps(query + i), _mm256_loadu_ps(key + i), lanes);
    float lane[8];
    _mm256_storeu_ps(lane, lanes);
    float total = -0.0f;
    for (int j = 0; j < 8; j++) total += lane[j];
    for (; i < headDim; i++) total += query[i] * key[i];
    return total;
}

__attribute__((target("avx2,fma")))
void dpo_cached_scores(float *scores, const float *query, const float *keys, long length, long headDim, float scale) {
    long position = 0;
    if (headDim % 8 == 0) {
        const __m256 scale8 = _mm256_set1_ps(scale);
        for (; position + 8 <= length; position += 8) {
            const float *key = keys + position * headDim;
            __m256 r[8];
            for (int j = 0; j < 8; j++) r[j] = _mm256_setzero_ps();
            for (long i = 0; i < headDim; i += 8) {
                __m256 q = _mm256_loadu_ps(query + i);
                for (int j = 0; j < 8; j++) r[j] = _mm256_fmadd_ps(q, _mm256_loadu_ps(key + j * headDim + i), r[j]);
            }
            /* Afterwards r[i] holds lane i of the eight keys' sums. */
            transpose8x8(r);
            __m256 total = r[0];
            for (int i = 1; i < 8; i++) total = _mm256_add_ps(total, r[i]);
            _mm256_storeu_ps(scores + position, _mm256_mul_ps(scale8, total));
        }
    }
    for (; position < length; position++) scores[position] = scale * dot_product(query, keys + position * headDim, headDim);
}

__attribute__((target("avx2,fma")))
void dpo_weighted_values(float *out, const float *weights, const float *values, long length, long headDim) {
    long column = 0;
    for (; column + 64 <= headDim; column += 64) {
        __m256 a[8];
        for (int c = 0; c < 8; c++) a[c] = _mm256_setzero_ps();
        for (long j = 0; j < length; j++) {
            const float *v = values + j * headDim + column;
            __m256 p = _mm256_set1_ps(weights[j]);
            for (int c = 0; c < 8; c++) a[c] = _mm256_fmadd_ps(_mm256_loadu_ps(v + 8 * c), p, a[c]);
        }
        for (int c = 0; c < 8; c++) _mm256_storeu_ps(out + column + 8 * c, a[c]);
    }
    for (; column + 8 <= headDim; column += 8) {
        __m256 a = _mm256_setzero_ps();
        for (long j = 0; j < length; j++)
            a = _mm256_fmadd_ps(_mm256_loadu_ps(values + j * headDim + column), _mm256_set1_ps(weights[j]), a);
        _mm256_storeu_ps(out + column, a);
    }
    for (; column < headDim; column++) {
        float a = 0;
        for (long j = 0; j < length; j++) a += weights[j] * values[j * headDim + column];
        out[column] = a;
    }
}
