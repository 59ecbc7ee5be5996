#include "CKernels.h"
#include <immintrin.h>

/* The optimizers' updates. Swift lowers `SIMD8<Float>.squareRoot()` to eight scalar square roots, which bound the
   Swift AdamW loop at ~1 ns a weight; here eight lanes take one `vsqrtps`. Every operation is the scalar formula's,
   in its order, with no multiply-add fused (intrinsics and `fp contract(off)`), so each lane rounds exactly as the
   Swift scalar loop. */
#pragma clang fp contract(off)

__attribute__((target("avx2")))
void dpo_adamw_update(
    float *params, const float *grads, float *m, float *v, long count,
    float beta1, float beta2, float eps, float decay, float stepSize, float rootCorrection2, float gradientScale)
{
    const __m256 b1 = _mm256_set1_ps(beta1), b2 = _mm256_set1_ps(beta2);
    const __m256 c1 = _mm256_set1_ps(1 - beta1), c2 = _mm256_set1_ps(1 - beta2);
    const __m256 e = _mm256_set1_ps(eps), d = _mm256_set1_ps(decay), s = _mm256_set1_ps(stepSize);
    const __m256 r = _mm256_set1_ps(rootCorrection2), gs = _mm256_set1_ps(gradientScale);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 g = _mm256_mul_ps(_mm256_loadu_ps(grads + i), gs);
        __m256 m8 = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(c1, g));
        __m256 v8 = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(c2, g), g));
        __m256 denominator = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(v8), r), e);
        _mm256_storeu_ps(m + i, m8);
        _mm256_storeu_ps(v + i, v8);
        __m256 p = _mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(params + i), d),
                                 _mm256_div_ps(_mm256_mul_ps(s, m8), denominator));
        _mm256_storeu_ps(params + i, p);
    }
    for (; i < count; i++) {
        float g = grads[i] * gradientScale;
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        float denominator = __builtin_sqrtf(v[i]) / rootCorrection2 + eps;
        params[i] = params[i] * decay - stepSize * m[i] / denominator;
    }
}

__attribute__((target("avx2")))
void dpo_rmsprop_update(float *params, const float *grads, float *v, long count, float learningRate, float alpha,
                        float eps, float gradientScale)
{
    const __m256 a = _mm256_set1_ps(alpha), c = _mm256_set1_ps(1 - alpha);
    const __m256 lr = _mm256_set1_ps(learningRate), e = _mm256_set1_ps(eps), gs = _mm256_set1_ps(gradientScale);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 g = _mm256_mul_ps(_mm256_loadu_ps(grads + i), gs);
        __m256 v8 = _mm256_add_ps(_mm256_mul_ps(a, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(c, g), g));
        _mm256_storeu_ps(v + i, v8);
        __m256 step = _mm256_div_ps(_mm256_mul_ps(lr, g), _mm256_add_ps(_mm256_sqrt_ps(v8), e));
        _mm256_storeu_ps(params + i, _mm256_sub_ps(_mm256_loadu_ps(params + i), step));
    }
    for (; i < count; i++) {
        float g = grads[i] * gradientScale;
        v[i] = alpha * v[i] + (1 - alpha) * g * g;
        params[i] -= learningRate * g / (__builtin_sqrtf(v[i]) + eps);
    }
}
